package io.perpetua.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.Stores;
import io.perpetua.query.ConsumerAlreadyActiveException;
import io.perpetua.query.DurableSubscription;
import io.perpetua.query.EventQueries;
import io.perpetua.query.SubscriptionOptions;
import io.perpetua.spi.ConsumerLocks;
import io.perpetua.spi.Store;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * One active consumer per name across nodes: two store instances on the same schema stand for two
 * nodes, each with its own connections, so only the server's advisory lock can keep them apart.
 */
class PostgresConsumerLockTest {

    private final String uri = TestDatabase.uri(TestDatabase.freshSchema());
    private final String name = "billing-" + UUID.randomUUID();

    @Test
    void a_second_node_cannot_open_a_subscription_that_another_node_holds() {
        try (Store nodeA = Stores.open(uri); Store nodeB = Stores.open(uri);
                DurableSubscription held = EventQueries.of(nodeA).subscribe(name, SubscriptionOptions.defaults())) {
            assertThatThrownBy(() -> EventQueries.of(nodeB).subscribe(name, SubscriptionOptions.defaults()))
                    .isInstanceOf(ConsumerAlreadyActiveException.class)
                    .hasMessageContaining("'" + name + "' is already active");
        }
    }

    @Test
    void the_name_is_free_again_once_the_holder_closes() {
        try (Store nodeA = Stores.open(uri); Store nodeB = Stores.open(uri)) {
            EventQueries.of(nodeA).subscribe(name, SubscriptionOptions.defaults()).close();

            EventQueries.of(nodeB).subscribe(name, SubscriptionOptions.defaults()).close();
        }
    }

    @Test
    void the_lock_is_released_when_the_holding_store_closes_without_releasing_it() {
        try (Store nodeB = Stores.open(uri)) {
            Store nodeA = Stores.open(uri);
            ((ConsumerLocks) nodeA.checkpoints()).tryLock(name).orElseThrow();
            assertThat(((ConsumerLocks) nodeB.checkpoints()).tryLock(name)).isEmpty();

            nodeA.close();

            ((ConsumerLocks) nodeB.checkpoints()).tryLock(name).orElseThrow().close();
        }
    }
}
