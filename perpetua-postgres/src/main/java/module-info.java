/**
 * The PostgreSQL store for Perpetua: journal, snapshots and checkpoints in one database that several
 * application nodes share, opened as {@code postgresql://host:port/db?user=...}.
 */
module io.perpetua.postgres {
    requires transitive io.perpetua.core;
    requires transitive java.sql;
    requires org.postgresql.jdbc;
    requires com.zaxxer.hikari;
    requires org.slf4j;

    exports io.perpetua.postgres;

    provides io.perpetua.spi.StoreProvider with io.perpetua.postgres.PostgresStoreProvider;
}
