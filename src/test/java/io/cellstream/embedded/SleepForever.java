package io.cellstream.embedded;

/** A child JVM's main for the watchdog test: it only waits. */
public final class SleepForever {

  private SleepForever() {}

  public static void main(String[] args) throws InterruptedException {
    System.out.println("sleeping");
    System.out.flush();
    Thread.sleep(120_000);
  }
}
