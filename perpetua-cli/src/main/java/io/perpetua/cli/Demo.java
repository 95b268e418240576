package io.perpetua.cli;

import io.perpetua.Perpetua;
import io.perpetua.PersistedEvent;
import io.perpetua.ProcessRef;
import io.perpetua.Subscription;
import io.perpetua.examples.bank.Account;
import io.perpetua.examples.bank.AccountCommand;
import io.perpetua.examples.bank.AccountCommand.Deposit;
import io.perpetua.examples.bank.AccountCommand.GetBalance;
import io.perpetua.examples.bank.AccountCommand.Withdraw;
import io.perpetua.examples.bank.AccountEvent.Deposited;
import io.perpetua.examples.bank.AccountEvent.Withdrawn;
import io.perpetua.examples.bank.Bank;
import io.perpetua.examples.bank.InsufficientFunds;
import io.perpetua.examples.booking.Booking;
import io.perpetua.examples.booking.Hotel;
import io.perpetua.examples.booking.HotelCommand;
import io.perpetua.examples.booking.HotelCommand.Availability;
import io.perpetua.examples.booking.HotelCommand.Book;
import io.perpetua.examples.booking.HotelCommand.Cancel;
import io.perpetua.examples.booking.HotelCommand.ListBookings;
import io.perpetua.examples.booking.HotelEvent.BookingCancelled;
import io.perpetua.examples.booking.HotelEvent.RoomBooked;
import io.perpetua.examples.booking.RoomUnavailable;
import io.perpetua.examples.booking.Stay;
import io.perpetua.examples.booking.UnknownBooking;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import java.io.PrintWriter;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The narrated demo: sends commands to a bank account and a hotel, and prints each command, its
 * reply or rejection, each event once it is durable (from a runtime subscription), each snapshot,
 * and each process's state after it is stopped and recovered.
 *
 * <p>Output is deterministic: after each command the demo waits until the subscription has delivered
 * every event the command persisted, and prints them before sending the next command. Persistence
 * ids are {@code account-N} and {@code hotel-N} with the first {@code N} that has no events yet, so
 * the demo can run again on a durable store.
 */
final class Demo {

    private static final long DELIVERY_TIMEOUT_SECONDS = 10;
    private static final String COMMAND_FORMAT = "  > %-52s -> %s%n";
    private static final LocalDate MAY_1 = LocalDate.of(2025, 5, 1);

    private final Perpetua perpetua;
    private final PrintWriter out;
    private final BlockingQueue<PersistedEvent> delivered = new LinkedBlockingQueue<>();
    private final Map<String, Long> lastSnapshot = new HashMap<>();
    private int eventsPersisted;
    private boolean consistent = true;

    Demo(Perpetua perpetua, PrintWriter out) {
        this.perpetua = perpetua;
        this.out = out;
    }

    /** Runs the demo; false if anything did not behave as the demo expects (it says what). */
    boolean run() {
        String uri = perpetua.store().uri();
        out.println("Perpetua demo on store " + uri + (uri.equals("memory:") ? " (kept in memory until the demo ends)" : ""));
        out.println("Each 'persisted' line is an event as a subscriber receives it once it is durable: its sequence");
        out.println("number in its process's stream and its position in the whole store.");
        Subscription subscription = perpetua.subscribe(delivered::add);
        try {
            String account = freshId("account");
            String hotel = freshId("hotel");
            previousRun(account, hotel);
            bankAccount(account);
            hotel(hotel);
        } finally {
            subscription.close();
        }
        out.println();
        out.println("Done: " + eventsPersisted + " events persisted, "
                + (consistent ? "every process recovered the state it had." : "BUT SOMETHING DID NOT ADD UP (see above)."));
        return consistent;
    }

    // ------------------------------------------------------------------ a previous run

    /**
     * On a durable store that already holds a run, recovers the processes of the latest one from
     * the store and shows their state, before this run starts new ones.
     */
    private void previousRun(String account, String hotel) {
        String lastAccount = previousId(account);
        String lastHotel = previousId(hotel);
        if (lastAccount == null && lastHotel == null) return;
        out.println();
        out.println("The store holds an earlier run; its processes recover from the journal and snapshots:");
        if (lastAccount != null) {
            ProcessRef<AccountCommand> recovered = perpetua.start(Bank.ACCOUNTS, lastAccount);
            Account balance = recovered.call(new GetBalance());
            out.println("  " + lastAccount + " recovered at seq " + highestSequenceNr(lastAccount) + ": balance "
                    + balance.balance());
            recovered.stop();
        }
        if (lastHotel != null) {
            ProcessRef<HotelCommand> recovered = perpetua.start(Hotel.HOTELS, lastHotel);
            List<Booking> bookings = recovered.call(new ListBookings());
            out.println("  " + lastHotel + " recovered at seq " + highestSequenceNr(lastHotel) + ": " + bookings.size()
                    + " bookings (" + String.join(", ", bookings.stream().map(b -> b.id() + " " + b.guest()).toList()) + ")");
            recovered.stop();
        }
    }

    /** The id before {@code freshId} in its series ({@code account-2} for {@code account-3}), or null. */
    private static String previousId(String freshId) {
        int dash = freshId.lastIndexOf('-');
        int n = Integer.parseInt(freshId.substring(dash + 1));
        return n <= 1 ? null : freshId.substring(0, dash + 1) + (n - 1);
    }

    // ------------------------------------------------------------------ bank account, pure form

    private void bankAccount(String id) {
        out.println();
        out.println("Bank account '" + id + "', pure form: decide(command, state) -> events; evolve(state, event) -> state");
        ProcessRef<AccountCommand> account = perpetua.start(Bank.ACCOUNTS, id);
        send(account, new Deposit(100));
        send(account, new Withdraw(30));
        send(account, new Withdraw(500));
        send(account, new Deposit(25));
        Account before = account.call(new GetBalance());

        account = restart(account, () -> perpetua.start(Bank.ACCOUNTS, id));
        Account after = send(account, new GetBalance());
        same("balance", before, after);
    }

    // ------------------------------------------------------------------ hotel, process form

    private void hotel(String id) {
        out.println();
        out.println("Hotel '" + id + "', process form: rooms " + Hotel.DEFAULT_ROOMS + ", a snapshot every "
                + Hotel.HOTELS.snapshotEvery() + " events");
        ProcessRef<HotelCommand> hotel = perpetua.start(Hotel.HOTELS, id);
        send(hotel, new Book("Alice", 101, Stay.of(MAY_1, 3)));
        send(hotel, new Book("Bob", 102, Stay.of(MAY_1.plusDays(1), 3)));
        send(hotel, new Book("Carol", 103, Stay.of(MAY_1.plusDays(2), 3)));
        send(hotel, new Availability(MAY_1.plusDays(2)));
        send(hotel, new Book("Dave", 101, Stay.of(MAY_1.plusDays(2), 2)));
        send(hotel, new Cancel("B-1"));
        send(hotel, new Book("Dave", 101, Stay.of(MAY_1.plusDays(2), 2)));
        List<Booking> before = hotel.call(new ListBookings());

        hotel = restart(hotel, () -> perpetua.start(Hotel.HOTELS, id));
        List<Booking> after = send(hotel, new ListBookings());
        for (Booking b : after) {
            out.printf("      %-4s %-6s room %d  %s%n", b.id(), b.guest(), b.room(), b.stay());
        }
        same("bookings", before, after);
    }

    // ------------------------------------------------------------------ narration

    /** Sends {@code command} as a call and prints it, its reply or rejection, the events and any snapshot. */
    private <M, R> R send(ProcessRef<M> process, M command) {
        String id = process.persistenceId();
        long before = highestSequenceNr(id);
        R reply;
        try {
            reply = process.call(command);
        } catch (InsufficientFunds | RoomUnavailable | UnknownBooking | IllegalArgumentException rejected) {
            out.printf(COMMAND_FORMAT, describe(command), "rejected");
            long after = highestSequenceNr(id);
            out.println("      " + rejected.getMessage());
            out.println("      nothing persisted: the journal of " + id + " is still at seq " + after);
            if (after != before) fail("a rejected command persisted " + (after - before) + " events");
            return null;
        }
        out.printf(COMMAND_FORMAT, describe(command), describeReply(command, reply));
        printPersisted(id, before);
        printSnapshot(id);
        return reply;
    }

    private void printPersisted(String id, long sequenceBefore) {
        long now = highestSequenceNr(id);
        for (long expected = sequenceBefore + 1; expected <= now; expected++) {
            PersistedEvent e;
            try {
                e = delivered.poll(DELIVERY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for events to be delivered", interrupted);
            }
            if (e == null) {
                fail("event " + expected + " of " + id + " was not delivered within " + DELIVERY_TIMEOUT_SECONDS + " s");
                return;
            }
            eventsPersisted++;
            out.printf("      persisted  seq %d  position %d  %s%n", e.sequenceNr(), e.globalPosition(),
                    describeEvent(e.event()));
        }
    }

    private void printSnapshot(String id) {
        perpetua.store().snapshots().loadLatest(id, SnapshotCriteria.latest())
                .map(SnapshotRecord::sequenceNr)
                .filter(seq -> !seq.equals(lastSnapshot.get(id)))
                .ifPresent(seq -> {
                    lastSnapshot.put(id, seq);
                    out.println("      snapshot   saved at seq " + seq + " (every " + Hotel.HOTELS.snapshotEvery()
                            + " events)");
                });
    }

    /** Stops the process, starts it again (it recovers), and says what recovery read. */
    private <M> ProcessRef<M> restart(ProcessRef<M> process, Supplier<ProcessRef<M>> start) {
        String id = process.persistenceId();
        process.stop();
        out.println("  stopped " + id + (process.isAlive() ? " (STILL RUNNING)" : "") + "; starting it again");
        ProcessRef<M> restarted = start.get();
        long journal = highestSequenceNr(id);
        long snapshot = perpetua.store().snapshots().loadLatest(id, SnapshotCriteria.latest())
                .map(SnapshotRecord::sequenceNr).orElse(0L);
        out.println("  recovered: " + (snapshot == 0 ? "no snapshot, " + journal + " events replayed from the journal"
                : "snapshot at seq " + snapshot + ", then " + (journal - snapshot) + " events replayed from the journal"));
        return restarted;
    }

    private void same(String what, Object before, Object after) {
        boolean same = before.equals(after);
        out.println("  same " + what + " as before the stop: " + (same ? "yes" : "NO, it was " + before));
        if (!same) consistent = false;
    }

    private void fail(String why) {
        out.println("      UNEXPECTED: " + why);
        consistent = false;
    }

    private long highestSequenceNr(String id) {
        return perpetua.store().journal().highestSequenceNr(id);
    }

    /** {@code prefix-N} for the first N with no events, so a rerun on a durable store starts afresh. */
    private String freshId(String prefix) {
        for (int n = 1; ; n++) {
            String id = prefix + "-" + n;
            if (highestSequenceNr(id) == 0
                    && perpetua.store().snapshots().loadLatest(id, SnapshotCriteria.latest()).isEmpty()) {
                return id;
            }
        }
    }

    private static String describe(Object command) {
        return switch (command) {
            case Deposit d -> "Deposit " + d.amount();
            case Withdraw w -> "Withdraw " + w.amount();
            case GetBalance g -> "GetBalance";
            case Book b -> "Book room " + b.room() + " for " + b.guest() + ", " + b.stay();
            case Cancel c -> "Cancel " + c.bookingId();
            case Availability a -> "Availability on " + a.night();
            case ListBookings l -> "ListBookings";
            default -> command.toString();
        };
    }

    private static String describeReply(Object command, Object reply) {
        return switch (reply) {
            case Account a -> "balance " + a.balance();
            case Booking b when command instanceof Cancel -> "cancelled " + b.id() + " (" + b.guest() + ")";
            case Booking b -> "booked " + b.id();
            case List<?> list when command instanceof Availability -> "free rooms " + list;
            case List<?> list -> list.size() + " bookings";
            case null -> "done";
            default -> reply.toString();
        };
    }

    private static String describeEvent(Object event) {
        return switch (event) {
            case Deposited d -> "Deposited " + d.amount();
            case Withdrawn w -> "Withdrawn " + w.amount();
            case RoomBooked r -> "RoomBooked " + r.bookingId() + ": room " + r.room() + " for " + r.guest() + ", "
                    + r.booking().stay();
            case BookingCancelled c -> "BookingCancelled " + c.bookingId();
            default -> event.toString();
        };
    }
}
