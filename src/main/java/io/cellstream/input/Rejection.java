package io.cellstream.input;

/**
 * Why a record cannot be used: the dead-letter reason, the input field it concerns (its dotted path; null when the
 * reason is about the record as a whole), a sentence for people, and the class of the error behind it (null when
 * a rule said no rather than a decoder failed).
 */
public record Rejection(DeadLetterReason reason, String field, String message, String errorClass) {

  public Rejection(DeadLetterReason reason, String message) {
    this(reason, null, message, null);
  }

  public Rejection(DeadLetterReason reason, String field, String message) {
    this(reason, field, message, null);
  }
}
