package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The stop request that signals make (the signals themselves are sent to real child JVMs in RunProcessIT and
 * DemoProcessIT): once only, its actions run once, late listeners at once, waiters wake.
 */
class StopSignalTest {

  @Test
  void aStopIsRequestedOnceAndEveryActionRunsOnce() throws Exception {
    List<String> ran = new ArrayList<>();
    try (StopSignal stop = StopSignal.install("test")) {
      stop.onRequest(() -> ran.add("first"));
      assertThat(stop.isRequested()).isFalse();
      assertThat(stop.await(10, TimeUnit.MILLISECONDS)).isFalse();

      Thread signal = new Thread(stop::request);
      signal.start();
      assertThat(stop.await(10, TimeUnit.SECONDS)).isTrue();
      signal.join();
      stop.request();
      assertThat(ran).containsExactly("first");

      stop.onRequest(() -> ran.add("late"));
      assertThat(ran).as("an action added after the request runs at once").containsExactly("first", "late");
      assertThat(stop.isRequested()).isTrue();
    }
  }
}
