package io.cellstream.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A small RFC 4180 reader: comma-separated fields, optional double quotes (with "" for a quote inside),
 * quoted fields may span lines. Reports the line each record starts on, for error messages.
 */
final class CsvReader implements AutoCloseable {

  /** One record: its fields and the 1-based line it starts on. */
  record Row(int line, List<String> fields) {}

  private final BufferedReader in;
  private final char separator;
  private int line;

  CsvReader(BufferedReader in, char separator) {
    this.in = in;
    this.separator = separator;
  }

  /** The next record, or null at the end. Blank lines are skipped. */
  Row next() throws IOException {
    String text;
    do {
      text = in.readLine();
      if (text == null) {
        return null;
      }
      line++;
    } while (text.isBlank());
    int start = line;
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    int i = 0;
    while (true) {
      if (i == text.length()) {
        if (quoted) {
          String more = in.readLine();
          if (more == null) {
            throw new IOException("line " + start + ": a quoted field is not closed before the end of the file");
          }
          line++;
          field.append('\n');
          text = more;
          i = 0;
          continue;
        }
        fields.add(field.toString());
        return new Row(start, fields);
      }
      char c = text.charAt(i++);
      if (quoted) {
        if (c == '"') {
          if (i < text.length() && text.charAt(i) == '"') {
            field.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          field.append(c);
        }
      } else if (c == '"' && field.isEmpty()) {
        quoted = true;
      } else if (c == separator) {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
