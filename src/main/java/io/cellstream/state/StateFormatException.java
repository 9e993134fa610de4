package io.cellstream.state;

/** A stored entity state that cannot be read: truncated, corrupt, or of another shape. Says which. */
public final class StateFormatException extends RuntimeException {
  public StateFormatException(String message) {
    super(message);
  }
}
