package io.cellstream.input;

/** How ids and keys are measured and quoted in messages: one rule for every message that shows one. */
public final class Ids {

  /** Characters of an id or key quoted in a message; the rest is summarised (a message must stay small). */
  public static final int QUOTED_CHARS = 80;

  private Ids() {}

  /** {@code 'text'}, or its first {@value #QUOTED_CHARS} characters and how long it is. */
  public static String quote(String s) {
    if (s.length() <= QUOTED_CHARS) {
      return "'" + s + "'";
    }
    return "'" + s.substring(0, QUOTED_CHARS) + "...' (" + s.length() + " characters)";
  }

  /** The first {@value #QUOTED_CHARS} characters of an id, without quotes. */
  public static String shorten(String s) {
    return s.length() <= QUOTED_CHARS ? s : s.substring(0, QUOTED_CHARS) + "...";
  }

  /** Bytes of {@code s} in UTF-8, without encoding it. */
  public static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
