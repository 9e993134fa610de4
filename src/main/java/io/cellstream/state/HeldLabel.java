package io.cellstream.state;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A label that arrived before its event, held in the entity's state until the event comes (then it is joined
 * like any label) or until the label join gives up on it. Labels and events travel on different topics, so a
 * label produced just after its event can still be read first.
 *
 * @param eventId the event it labels, UTF-8
 * @param target  (K) the head's target vector
 * @param heldAt  when it was held (ms, on the host's clock: the label's record timestamp in the service)
 * @param origin  opaque bytes the host needs to report the label if it is given up on (the service keeps where
 *                the label came from and its original bytes, for the dead letter); may be empty, never null
 */
public record HeldLabel(byte[] eventId, float[] target, long heldAt, byte[] origin) {

  public HeldLabel {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(origin, "origin");
  }

  public static HeldLabel of(String eventId, float[] target, long heldAt, byte[] origin) {
    return new HeldLabel(eventId.getBytes(StandardCharsets.UTF_8), target.clone(), heldAt,
        origin == null ? new byte[0] : origin);
  }

  public String eventIdString() {
    return new String(eventId, StandardCharsets.UTF_8);
  }

  /** Bytes it takes in the state's binary format. */
  int encodedSize() {
    return 8 + 2 + eventId.length + 4 * target.length + 4 + origin.length;
  }
}
