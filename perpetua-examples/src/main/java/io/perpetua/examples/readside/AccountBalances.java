package io.perpetua.examples.readside;

import io.perpetua.PersistedEvent;
import io.perpetua.examples.bank.AccountEvent;
import io.perpetua.query.Projection;
import io.perpetua.query.ProjectionHandler;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The balance of every bank account, kept up to date by a projection over the accounts' events: a
 * read model that answers "what is the balance of each account" without starting any process.
 *
 * <pre>{@code
 * AccountBalances balances = new AccountBalances();
 * try (RunningProjection p = EventQueries.of(perpetua.store()).start(balances.projection())) {
 *     ...
 *     long cents = balances.balanceOf("account-42").orElse(0L);
 * }
 * }</pre>
 *
 * <p>Delivery is at least once, so the handler is idempotent: it remembers, per account, the last
 * sequence number it applied and ignores anything at or below it. Kept in memory here; a real read
 * model would keep the balances and those sequence numbers in a table. Thread-safe.
 */
public final class AccountBalances implements ProjectionHandler {

    /** The name of the projection, and of its checkpoint. */
    public static final String NAME = "account-balances";

    private record Row(long balance, long sequenceNr) {}

    private final Map<String, Row> rows = new ConcurrentHashMap<>();

    /** The projection: account events only, from the origin, accounts in parallel. */
    public Projection projection() {
        return Projection.of(NAME, this).withEventTypes(AccountEvent.class).withParallelism(4);
    }

    @Override
    public void handle(PersistedEvent e) {
        rows.compute(e.persistenceId(), (id, row) -> {
            Row current = row == null ? new Row(0, 0) : row;
            if (e.sequenceNr() <= current.sequenceNr()) return current; // delivered again after a restart
            long change = switch ((AccountEvent) e.event()) {
                case AccountEvent.Deposited d -> d.amount();
                case AccountEvent.Withdrawn w -> -w.amount();
            };
            return new Row(current.balance() + change, e.sequenceNr());
        });
    }

    /** The balance of {@code accountId} in cents, if the account has had an event. */
    public Optional<Long> balanceOf(String accountId) {
        return Optional.ofNullable(rows.get(accountId)).map(Row::balance);
    }

    /** Every account's balance, by account id. */
    public Map<String, Long> balances() {
        Map<String, Long> out = new TreeMap<>();
        rows.forEach((id, row) -> out.put(id, row.balance()));
        return out;
    }

    /** The sum of all balances: the money the bank holds. */
    public long total() {
        return rows.values().stream().mapToLong(Row::balance).sum();
    }
}
