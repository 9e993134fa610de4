package io.cellstream.learn;

/**
 * Where {@link OnlineTrainer} keeps what it needs to resume exactly: parameters, Adam's moments, counters, the
 * unfinished minibatch and the replay buffer, each under its own key so that a new example costs a few small
 * writes, not a rewrite of everything. The service backs it with the trainer task's changelogged state store
 * (written in the same transaction that consumes the example); in-process learners run without one.
 */
public interface TrainerStore {

  byte[] get(String key);

  void put(String key, byte[] value);

  void delete(String key);
}
