/** The hotel booking example: the process form, with snapshots. */
package io.perpetua.examples.booking;
