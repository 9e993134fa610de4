package io.cellstream.serde;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * An Avro binary decoder over one byte array that refuses lengths the array cannot hold.
 *
 * <p>Avro's own decoder allocates whatever a length prefix claims before it finds out the bytes are not
 * there: ten corrupt bytes can ask for a 2 GB string or a billion-item array and end the JVM with an
 * OutOfMemoryError. Here a string or bytes longer than what is left, or a block of more than
 * {@value #FREE_ITEMS} array/map items when fewer bytes than items are left, is an {@link EOFException}
 * (every item of our schemas takes at least one byte). {@link #remaining()} lets the caller reject
 * trailing garbage.
 */
final class BoundedDecoder extends Decoder {

  /** Items a block may claim regardless of the bytes left (zero-size items such as null exist). */
  static final long FREE_ITEMS = 1024;

  private final Source src;
  private final BinaryDecoder in;

  BoundedDecoder(byte[] bytes, int offset, int length) {
    this.src = new Source(bytes, offset, offset + length);
    this.in = DecoderFactory.get().directBinaryDecoder(src, null);
  }

  /** Bytes not read yet. */
  int remaining() {
    return src.end - src.pos;
  }

  private int checkLength(long length) throws IOException {
    if (length < 0) {
      throw new EOFException("negative length " + length);
    }
    if (length > remaining()) {
      throw new EOFException("length " + length + " but only " + remaining() + " bytes left");
    }
    return (int) length;
  }

  private long checkItems(long items) throws IOException {
    if (items < 0) {
      throw new EOFException("negative item count " + items);
    }
    if (items > FREE_ITEMS && items > remaining()) {
      throw new EOFException("block of " + items + " items but only " + remaining() + " bytes left");
    }
    return items;
  }

  @Override
  public void readNull() throws IOException {
    in.readNull();
  }

  @Override
  public boolean readBoolean() throws IOException {
    return in.readBoolean();
  }

  @Override
  public int readInt() throws IOException {
    return in.readInt();
  }

  @Override
  public long readLong() throws IOException {
    return in.readLong();
  }

  @Override
  public float readFloat() throws IOException {
    return in.readFloat();
  }

  @Override
  public double readDouble() throws IOException {
    return in.readDouble();
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int length = checkLength(in.readLong());
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(length);
    if (length > 0) {
      in.readFixed(result.getBytes(), 0, length);
    }
    return result;
  }

  @Override
  public String readString() throws IOException {
    return readString(null).toString();
  }

  @Override
  public void skipString() throws IOException {
    in.skipFixed(checkLength(in.readLong()));
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int length = checkLength(in.readLong());
    ByteBuffer result;
    if (old != null && length <= old.capacity()) {
      result = old;
      result.clear();
    } else {
      result = ByteBuffer.allocate(length);
    }
    in.readFixed(result.array(), result.position(), length);
    result.limit(length);
    return result;
  }

  @Override
  public void skipBytes() throws IOException {
    in.skipFixed(checkLength(in.readLong()));
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    checkLength(length);
    in.readFixed(bytes, start, length);
  }

  @Override
  public void skipFixed(int length) throws IOException {
    in.skipFixed(checkLength(length));
  }

  @Override
  public int readEnum() throws IOException {
    return in.readEnum();
  }

  @Override
  public long readArrayStart() throws IOException {
    return checkItems(in.readArrayStart());
  }

  @Override
  public long arrayNext() throws IOException {
    return checkItems(in.arrayNext());
  }

  @Override
  public long skipArray() throws IOException {
    return checkItems(in.skipArray());
  }

  @Override
  public long readMapStart() throws IOException {
    return checkItems(in.readMapStart());
  }

  @Override
  public long mapNext() throws IOException {
    return checkItems(in.mapNext());
  }

  @Override
  public long skipMap() throws IOException {
    return checkItems(in.skipMap());
  }

  @Override
  public int readIndex() throws IOException {
    return in.readIndex();
  }

  /** An unsynchronized stream over a byte range whose position the decoder can check. */
  private static final class Source extends InputStream {
    private final byte[] buf;
    private int pos;
    private final int end;

    Source(byte[] buf, int pos, int end) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
    }

    @Override
    public int read() {
      return pos < end ? buf[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      int n = Math.min(len, end - pos);
      if (n <= 0) {
        return -1;
      }
      System.arraycopy(buf, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public long skip(long n) {
      long k = Math.max(0, Math.min(n, end - pos));
      pos += (int) k;
      return k;
    }

    @Override
    public int available() {
      return end - pos;
    }
  }
}
