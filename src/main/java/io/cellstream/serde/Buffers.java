package io.cellstream.serde;

import java.io.OutputStream;
import java.util.Arrays;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/** Per-thread output buffer and Avro encoder, so that encoding a record allocates only its result. */
final class Buffers extends OutputStream {

  private static final int KEEP_AT_MOST = 1 << 20;
  private static final ThreadLocal<Buffers> LOCAL = ThreadLocal.withInitial(Buffers::new);

  private byte[] buf = new byte[512];
  private int count;
  private BinaryEncoder encoder;

  /** This thread's buffer, emptied. */
  static Buffers get() {
    Buffers b = LOCAL.get();
    b.count = 0;
    return b;
  }

  /** An unbuffered encoder writing into this buffer. */
  BinaryEncoder encoder() {
    encoder = EncoderFactory.get().directBinaryEncoder(this, encoder);
    return encoder;
  }

  /** The bytes written so far; shrinks the buffer back if a huge record grew it. */
  byte[] toByteArray() {
    byte[] out = Arrays.copyOf(buf, count);
    if (buf.length > KEEP_AT_MOST) {
      buf = new byte[512];
    }
    count = 0;
    return out;
  }

  @Override
  public void write(int b) {
    ensure(1);
    buf[count++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, count, len);
    count += len;
  }

  private void ensure(int extra) {
    if (count + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + extra));
    }
  }
}
