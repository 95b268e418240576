package io.perpetua.jackson;

import io.perpetua.EventAdapter;
import io.perpetua.ProcessType;
import io.perpetua.spi.Manifests;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Today's bank account: the types and the adapter that reads every format earlier versions stored.
 * The fixture files under {@code fixtures/bank-v1} were written by version 1, which had
 * {@code Deposited(long amount)} in cents, {@code Withdrawn} with a field {@code ref},
 * {@code OwnerChanged(name, email)} and {@code StatementPrinted(month)}.
 */
final class Bank {
    private Bank() {}

    record Money(BigDecimal amount, String currency) {
        static Money eur(String amount) {
            return new Money(new BigDecimal(amount), "EUR");
        }

        Money plus(Money other) {
            return new Money(amount.add(other.amount), currency);
        }

        Money minus(Money other) {
            return new Money(amount.subtract(other.amount), currency);
        }
    }

    sealed interface BankEvent {
        record Opened(String owner) implements BankEvent {}
        /** Version 2: the amount became Money; version 1 stored {@code long amount} in euro cents. */
        record Deposited(Money amount) implements BankEvent {}
        /** Version 2: {@code ref} was renamed {@code reference}. */
        record Withdrawn(Money amount, String reference) implements BankEvent {}
        /** With EmailChanged, replaces version 1's {@code OwnerChanged(name, email)}. */
        record NameChanged(String name) implements BankEvent {}
        record EmailChanged(String email) implements BankEvent {}
    }

    record Deposit(Money amount) {}

    /** The state; {@code lastError} is ephemeral and not stored in snapshots. */
    record Account(String owner, String email, Money balance, int transactions, String lastError) {
        static final Account EMPTY = new Account("", "", Money.eur("0.00"), 0, "");

        Account evolve(BankEvent event) {
            return switch (event) {
                case BankEvent.Opened o -> new Account(o.owner(), email, balance, transactions, lastError);
                case BankEvent.Deposited d -> new Account(owner, email, balance.plus(d.amount()), transactions + 1, lastError);
                case BankEvent.Withdrawn w -> new Account(owner, email, balance.minus(w.amount()), transactions + 1, lastError);
                case BankEvent.NameChanged n -> new Account(n.name(), email, balance, transactions, lastError);
                case BankEvent.EmailChanged e -> new Account(owner, e.email(), balance, transactions, lastError);
            };
        }
    }

    /** What a snapshot stores: the account without its ephemeral part. Version 1 had no email. */
    record StoredAccount(String owner, String email, Money balance, int transactions) {}

    static final Manifests MANIFESTS = Manifests.builder()
            .manifest("bank.Opened", BankEvent.Opened.class)
            .manifest("bank.Deposited", BankEvent.Deposited.class).schemaVersion(BankEvent.Deposited.class, 2)
            .manifest("bank.Withdrawn", BankEvent.Withdrawn.class).schemaVersion(BankEvent.Withdrawn.class, 2)
            .manifest("bank.NameChanged", BankEvent.NameChanged.class)
            .manifest("bank.EmailChanged", BankEvent.EmailChanged.class)
            .manifest("bank.StoredAccount", StoredAccount.class)
            .build();

    static final EventAdapter<BankEvent> ADAPTER = EventAdapter.<BankEvent>builder()
            // changed value type: cents as a whole number became Money
            .upcast("bank.Deposited", 1, raw -> List.of(new BankEvent.Deposited(
                    new Money(new BigDecimal(((Number) raw.fields().get("amount")).longValue()).movePointLeft(2), "EUR"))))
            // renamed field
            .upcast("bank.Withdrawn", 1, raw -> {
                Map<String, Object> fields = raw.fields();
                fields.put("reference", fields.remove("ref"));
                return List.of(raw.convert(fields, BankEvent.Withdrawn.class));
            })
            // split event: its class no longer exists
            .upcast("bank.OwnerChanged", raw -> List.of(
                    new BankEvent.NameChanged((String) raw.fields().get("name")),
                    new BankEvent.EmailChanged((String) raw.fields().get("email"))))
            // removed event type
            .drop("bank.StatementPrinted")
            .onWrite(event -> switch (event) {
                case BankEvent.Deposited d when d.amount().amount().compareTo(new BigDecimal("10000")) >= 0 ->
                        EventAdapter.Tagged.of(d, "large-deposit");
                default -> EventAdapter.Tagged.of(event);
            })
            .build();

    static final ProcessType<Object, Account, BankEvent> ACCOUNTS = ProcessType.<Object, Account, BankEvent>pure("account",
                    Account.EMPTY,
                    (command, account) -> switch (command) {
                        case Deposit d -> List.of(new BankEvent.Deposited(d.amount()));
                        default -> List.of();
                    },
                    Account::evolve)
            .withEventAdapter(ADAPTER)
            .withSnapshotMapper(
                    account -> new StoredAccount(account.owner(), account.email(), account.balance(), account.transactions()),
                    stored -> {
                        StoredAccount s = (StoredAccount) stored;
                        return new Account(s.owner(), s.email() == null ? "" : s.email(), s.balance(), s.transactions(), "");
                    });
}
