package io.cellstream.lstm;

/** A binary snapshot (model or optimiser state) that cannot be read; the message says what is wrong. */
public class SnapshotFormatException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public SnapshotFormatException(String message) {
    super(message);
  }

  public SnapshotFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
