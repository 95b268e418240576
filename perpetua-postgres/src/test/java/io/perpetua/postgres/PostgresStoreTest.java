package io.perpetua.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.Stores;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoreException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** What the PostgreSQL store promises beyond the conformance suite: schema handling and clear errors. */
class PostgresStoreTest {

    @Test
    void nodes_that_start_at_once_on_a_new_schema_all_open_it() {
        String schema = TestDatabase.freshSchema();
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Store>> opens = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            opens.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return Stores.open(TestDatabase.uri(schema));
            }));
        }
        go.countDown();
        List<Store> stores = opens.stream().map(CompletableFuture::join).toList();
        try {
            assertThat(stores).allSatisfy(s -> assertThat(s.journal().highestGlobalPosition()).isZero());
        } finally {
            stores.forEach(Store::close);
        }
    }

    @Test
    void a_schema_newer_than_the_library_is_refused_with_a_clear_error() throws Exception {
        String schema = TestDatabase.freshSchema();
        Stores.open(TestDatabase.uri(schema)).close();
        String base = TestDatabase.baseUri();
        try (Connection c = DriverManager.getConnection("jdbc:" + base.substring(0, base.indexOf('?')), "postgres", "");
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO " + schema + ".schema_version VALUES (99)");
        }
        assertThatThrownBy(() -> Stores.open(TestDatabase.uri(schema)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("version 99")
                .hasMessageContaining("upgrade Perpetua");
    }

    @Test
    void an_unreachable_server_and_a_missing_database_are_one_line_errors_that_say_what_to_check() {
        assertThatThrownBy(() -> Stores.open("postgresql://127.0.0.1:1/postgres?user=postgres&password=secret"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot connect to PostgreSQL at 127.0.0.1:1/postgres")
                .hasMessageContaining("check that the server is running")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret").doesNotContain("\n"));
        assertThatThrownBy(() -> Stores.open("postgresql://127.0.0.1:5432/no_such_database_here?user=postgres"))
                .hasMessageContaining("no_such_database_here");
    }

    @Test
    void malformed_uris_are_rejected_with_the_expected_form() {
        assertThatThrownBy(() -> Stores.open("postgresql:localhost")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("postgresql://127.0.0.1:5432/postgres?user=postgres");
        assertThatThrownBy(() -> Stores.open("postgresql://localhost")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a host and a database");
        assertThatThrownBy(() -> Stores.open(TestDatabase.baseUri() + "&schema=Bad-Name"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema name");
        for (String bad : List.of("1", "-5", "many", "1000001")) {
            assertThatThrownBy(() -> Stores.open(TestDatabase.baseUri() + "&password=secret&splitAt=" + bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("splitAt must be 0 (never split a batch) or a number from 2 to 1000000")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret"));
        }
        assertThatThrownBy(() -> PostgresStore.open(new org.postgresql.ds.PGSimpleDataSource(), "perpetua", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("splitAt must be 0");
    }
}
