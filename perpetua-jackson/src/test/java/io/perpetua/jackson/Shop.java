package io.perpetua.jackson;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** Plain domain types with no annotations, as a user would write them. */
final class Shop {
    private Shop() {}

    enum Colour { RED, GREEN, BLUE }

    record Money(BigDecimal amount, String currency) {}

    record Line(String sku, int quantity, Money price) {}

    sealed interface Payment {
        record Card(String last4, LocalDate expires) implements Payment {}
        record Voucher(String code) implements Payment {}
        record Split(List<Payment> parts) implements Payment {}
    }

    sealed interface Discount permits Percent, Fixed {}
    record Percent(int percent) implements Discount {}
    record Fixed(Money off) implements Discount {}

    sealed interface OrderEvent {
        record Placed(String orderId, List<Line> lines, Map<String, Integer> stock, Set<Colour> colours,
                Instant at, Duration holdFor, Optional<String> note, OptionalInt priority) implements OrderEvent {}
        record Paid(String orderId, Payment payment, Optional<Discount> discount, List<Discount> extra) implements OrderEvent {}
        record Cancelled(String orderId, Optional<String> reason) implements OrderEvent {}
    }
}
