package io.perpetua.postgres;

import io.perpetua.Stores;
import io.perpetua.spi.Store;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The PostgreSQL server the tests run against: {@code PERPETUA_PG_URL} (a {@code postgresql://} or
 * {@code jdbc:postgresql://} URL), by default the local server. Each store gets its own schema, and
 * the schemas are dropped when the test JVM exits.
 */
final class TestDatabase {

    private static final List<String> SCHEMAS = new CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TestDatabase::dropSchemas));
    }

    private TestDatabase() {}

    /** The server's URL without a schema parameter, as a store URI. */
    static String baseUri() {
        String url = System.getenv().getOrDefault("PERPETUA_PG_URL", "postgresql://127.0.0.1:5432/postgres?user=postgres");
        return url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url;
    }

    static String freshSchema() {
        String schema = "perpetua_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        SCHEMAS.add(schema);
        return schema;
    }

    static String uri(String schema) {
        String base = baseUri();
        return base + (base.contains("?") ? "&" : "?") + "schema=" + schema;
    }

    static Store open() {
        return Stores.open(uri(freshSchema()));
    }

    /** A plain JDBC connection to the test server. */
    static Connection connect() throws java.sql.SQLException {
        String base = baseUri();
        int q = base.indexOf('?');
        String jdbc = "jdbc:" + (q < 0 ? base : base.substring(0, q));
        java.util.Properties props = new java.util.Properties();
        if (q >= 0) {
            for (String p : base.substring(q + 1).split("&")) {
                int eq = p.indexOf('=');
                if (eq > 0) props.setProperty(p.substring(0, eq), p.substring(eq + 1));
            }
        }
        return DriverManager.getConnection(jdbc, props);
    }

    private static void dropSchemas() {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String schema : SCHEMAS) st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (Exception e) {
            // best effort: a leftover schema is harmless
        }
    }
}
