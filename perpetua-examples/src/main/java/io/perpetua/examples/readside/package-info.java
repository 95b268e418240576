/**
 * Read models built by projections: {@link io.perpetua.examples.readside.AccountBalances} for the bank
 * and {@link io.perpetua.examples.readside.RoomsBookedPerDay} for the hotels.
 */
package io.perpetua.examples.readside;
