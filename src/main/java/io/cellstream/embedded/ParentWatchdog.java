package io.cellstream.embedded;

import java.io.IOException;
import java.io.InputStream;

/**
 * A Java agent loaded into child JVMs (the schema registry) so that they never outlive us: it reads the
 * child's stdin, a pipe from the parent, and exits the child when the pipe closes, which the OS does
 * when the parent dies, even by {@code kill -9}. JDK classes only: it runs on the child's class path.
 */
public final class ParentWatchdog {

  private ParentWatchdog() {}

  public static void premain(String args) {
    Thread t = new Thread(ParentWatchdog::watch, "cellstream-parent-watchdog");
    t.setDaemon(true);
    t.start();
  }

  private static void watch() {
    InputStream in = System.in;
    byte[] buf = new byte[64];
    try {
      while (in.read(buf) >= 0) {
        // the parent never writes; anything read is ignored
      }
    } catch (IOException e) {
      // a broken pipe means the same as end of input
    }
    System.err.println("cellstream-parent-watchdog: parent process gone, exiting");
    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(15_000);
      } catch (InterruptedException ignored) {
        // exit anyway
      }
      Runtime.getRuntime().halt(3);
    }, "cellstream-parent-watchdog-halt");
    halt.setDaemon(true);
    halt.start();
    System.exit(3);
  }
}
