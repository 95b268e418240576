/** The bank account example: the pure form of a process. */
package io.perpetua.examples.bank;
