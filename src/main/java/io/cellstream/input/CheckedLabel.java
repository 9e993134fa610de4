package io.cellstream.input;

/** A label as the input layer accepted it: whose, for which event, its target, and when. Reused by its reader. */
public final class CheckedLabel extends CheckedRecord {

  CheckedLabel(int outputSize) {
    super(outputSize);
  }
}
