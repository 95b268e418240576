package io.perpetua.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoreException;
import io.perpetua.spi.StoreProvider;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * Opens {@code postgresql://host[:port]/database?user=U[&password=P][&schema=S][&poolSize=N][&splitAt=W]}.
 * {@code schema} (default {@code perpetua}) holds the tables; {@code poolSize} (default 8) bounds the
 * connection pool; {@code splitAt} (default 0, never) writes batches of that many writes or more in
 * two halves on two connections at once (see {@link PostgresStore#open(javax.sql.DataSource, String,
 * int)}); every other parameter is passed to the PostgreSQL JDBC driver. Connection problems are
 * reported in one line that says what to check, with the password never shown.
 */
public final class PostgresStoreProvider implements StoreProvider {

    @Override
    public String scheme() {
        return "postgresql";
    }

    @Override
    public Store open(String uri) {
        if (!uri.startsWith("postgresql://")) {
            throw new IllegalArgumentException("a PostgreSQL store URI looks like "
                    + "'postgresql://127.0.0.1:5432/postgres?user=postgres', not '" + redact(uri) + "'");
        }
        String rest = uri.substring("postgresql://".length());
        int q = rest.indexOf('?');
        String hostAndDb = q < 0 ? rest : rest.substring(0, q);
        String query = q < 0 ? "" : rest.substring(q + 1);
        if (!hostAndDb.contains("/") || hostAndDb.endsWith("/") || hostAndDb.startsWith("/")) {
            throw new IllegalArgumentException("PostgreSQL store URI '" + redact(uri)
                    + "' needs a host and a database, as in postgresql://127.0.0.1:5432/postgres?user=postgres");
        }
        String schema = "perpetua";
        int poolSize = 8;
        int splitAt = 0;
        Properties properties = new Properties();
        for (String param : query.isEmpty() ? new String[0] : query.split("&")) {
            int eq = param.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("parameter '" + param + "' in '" + redact(uri) + "' has no value");
            String key = param.substring(0, eq);
            String value = URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8);
            switch (key) {
                case "schema" -> schema = value;
                case "poolSize" -> {
                    try {
                        poolSize = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        poolSize = -1;
                    }
                    if (poolSize < 2 || poolSize > 200) {
                        throw new IllegalArgumentException("poolSize must be a number from 2 to 200 in '" + redact(uri) + "'");
                    }
                }
                case "splitAt" -> {
                    try {
                        splitAt = PostgresStore.checkSplitAt(Integer.parseInt(value));
                    } catch (IllegalArgumentException e) { // NumberFormatException too
                        throw new IllegalArgumentException("splitAt must be 0 (never split a batch) or a number from 2 to "
                                + PostgresStore.MAX_SPLIT_AT + " in '" + redact(uri) + "'");
                    }
                }
                default -> properties.setProperty(key, value);
            }
        }
        String jdbcUrl = "jdbc:postgresql://" + hostAndDb;
        HikariDataSource pool;
        try {
            pool = PostgresStore.pool(jdbcUrl, properties, poolSize);
        } catch (RuntimeException e) {
            throw new StoreException("cannot connect to PostgreSQL at " + hostAndDb + ": " + rootMessage(e)
                    + " (check that the server is running and that the host, database, user and password are right)", e);
        }
        try {
            return new PostgresStore(redact(uri), pool, pool, schema, new PostgresStore.ListenerSettings(jdbcUrl, properties),
                    splitAt);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return String.valueOf(t.getMessage()).strip().replaceAll("\\s*\\R\\s*", " ");
    }

    static String redact(String uri) {
        return uri.replaceAll("(?i)(password=)[^&]*", "$1***");
    }
}
