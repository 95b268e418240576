package io.perpetua.jackson;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.PersistRejectedException;
import io.perpetua.jackson.Bank.BankEvent;
import io.perpetua.jackson.Bank.Money;
import io.perpetua.spi.Payload;
import io.perpetua.testkit.ProcessFixture;
import java.util.List;
import org.junit.jupiter.api.Test;

/** With perpetua-jackson on the class path, a user's fixture tests go through JSON as production does. */
class ProcessFixtureSerializesTest {

    @Test
    void a_fixture_stores_json_through_the_serializer_found_on_the_class_path() {
        try (var fixture = ProcessFixture.of(Bank.ACCOUNTS)) {
            fixture.given(new BankEvent.Opened("Ann"))
                    .when(new Bank.Deposit(Money.eur("3.00")))
                    .expectEvents(new BankEvent.Deposited(Money.eur("3.00")));
            assertThat(fixture.store().journal().read(fixture.persistenceId(), 1, 2, 10))
                    .allSatisfy(e -> assertThat(e.payload()).isInstanceOf(Payload.Serialized.class));
            fixture.restart();
            assertThat(fixture.state().balance()).isEqualTo(Money.eur("3.00"));
        }
    }

    @Test
    void a_fixture_rejects_an_event_that_cannot_be_serialized() {
        try (var fixture = ProcessFixture.of(DefaultSerializerRuntimeTest.NOTES)) {
            fixture.when(List.of(new Object())).expectRejection(PersistRejectedException.class);
        }
    }
}
