/**
 * The game-session example: durable-state processes (the whole session stored after each input)
 * that passivate between a player's sessions and revive on the next input.
 */
package io.perpetua.examples.game;
