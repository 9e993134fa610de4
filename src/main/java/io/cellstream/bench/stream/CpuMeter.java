package io.cellstream.bench.stream;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time spent in this JVM between two points, split into the stream threads of one application, that
 * application's other threads (producer I/O, global thread, admin) and everything else (the in-process
 * broker, GC, JIT, the benchmark itself). CPU time per event is what a loaded, shared machine does not change
 * much, unlike events per second.
 */
final class CpuMeter {

  /** CPU nanoseconds per part over an interval. */
  record Split(long processNanos, long streamThreadNanos, long appOtherNanos, long jitMillis, long gcMillis) {
    long restNanos() {
      return processNanos - streamThreadNanos - appOtherNanos;
    }
  }

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final String applicationId;
  private final long processStart;
  private final Map<Long, Long> threadStart;
  private final long jitStart = jitMillis();
  private final long gcStart = gcMillis();

  private CpuMeter(String applicationId) {
    this.applicationId = applicationId;
    this.processStart = processCpu();
    this.threadStart = threadCpu();
  }

  static CpuMeter start(String applicationId) {
    return new CpuMeter(applicationId);
  }

  Split stop() {
    long process = processCpu() - processStart;
    long stream = 0;
    long other = 0;
    long[] ids = THREADS.getAllThreadIds();
    ThreadInfo[] infos = THREADS.getThreadInfo(ids);
    for (int i = 0; i < ids.length; i++) {
      if (infos[i] == null) {
        continue;
      }
      String name = infos[i].getThreadName();
      if (!name.contains(applicationId)) {
        continue;
      }
      long now = THREADS.getThreadCpuTime(ids[i]);
      if (now < 0) {
        continue;
      }
      long used = now - threadStart.getOrDefault(ids[i], 0L);
      if (name.contains("-StreamThread-") && !name.contains("producer") && !name.contains("consumer")) {
        stream += used;
      } else {
        other += used;
      }
    }
    return new Split(process, stream, other, jitMillis() - jitStart, gcMillis() - gcStart);
  }

  private static Map<Long, Long> threadCpu() {
    Map<Long, Long> m = new HashMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      long t = THREADS.getThreadCpuTime(id);
      if (t >= 0) {
        m.put(id, t);
      }
    }
    return m;
  }

  private static long jitMillis() {
    var c = ManagementFactory.getCompilationMXBean();
    return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : 0;
  }

  private static long gcMillis() {
    long t = 0;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      t += Math.max(0, gc.getCollectionTime());
    }
    return t;
  }

  private static long processCpu() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }
}
