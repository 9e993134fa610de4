package io.cellstream.input;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The arithmetic of the transforms ({@link Feature}), one definition each, in float64 until the result. */
public final class Transforms {

  static final long MILLIS_PER_DAY = 86_400_000L;

  private Transforms() {}

  /** log(f): sign(v)·ln(1 + |v|), which keeps the sign and 0 and squeezes large magnitudes. */
  public static double signedLog1p(double v) {
    return Math.copySign(Math.log1p(Math.abs(v)), v);
  }

  /** FNV-1a, 32 bits, over the UTF-8 bytes of {@code s}: the hash of cat(f, N), the same on every JVM. */
  public static int fnv1a32(String s) {
    int h = 0x811C9DC5;
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    for (byte x : b) {
      h ^= x & 0xff;
      h *= 0x01000193;
    }
    return h;
  }

  /** cat(f, N): the one-hot bucket of a category, FNV-1a-32 as an unsigned number mod N. */
  public static int bucket(String category, int buckets) {
    return Integer.remainderUnsigned(fnv1a32(category), buckets);
  }

  /** The local time of day in {@code zone} as epoch milliseconds shifted by the zone's offset at that instant. */
  static long localMillis(long epochMillis, ZoneId zone) {
    int offsetSeconds = zone instanceof ZoneOffset o ? o.getTotalSeconds()
        : zone.getRules().getOffset(Instant.ofEpochMilli(epochMillis)).getTotalSeconds();
    return epochMillis + offsetSeconds * 1000L;
  }

  /** hour(f): the hour of day in {@code zone}, minutes, seconds and milliseconds as its fraction (0 ≤ h &lt; 24). */
  public static double hourOfDay(long epochMillis, ZoneId zone) {
    return Math.floorMod(localMillis(epochMillis, zone), MILLIS_PER_DAY) / 3_600_000.0;
  }

  /** weekday(f): 0 for Monday … 6 for Sunday, in {@code zone} (1970-01-01 was a Thursday). */
  public static int weekday(long epochMillis, ZoneId zone) {
    return (int) Math.floorMod(Math.floorDiv(localMillis(epochMillis, zone), MILLIS_PER_DAY) + 3, 7L);
  }

  /** since(f): ln(1 + seconds from the previous time to this one); a time before the previous counts as 0 s. */
  public static double sinceLog(long previousMillis, long millis) {
    return Math.log1p(Math.max(0, millis - previousMillis) / 1000.0);
  }
}
