package io.cellstream.embedded;

/** Test access to {@link Ports}. */
public final class TestPorts {

  private TestPorts() {}

  /** A port on 127.0.0.1 that nothing listens on (a moment ago). */
  public static int closedPort() {
    return Ports.freePort();
  }
}
