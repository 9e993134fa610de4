package io.cellstream.bench.stream;

import io.cellstream.learn.LearnerSettings;
import io.cellstream.learn.LstmCell;
import io.cellstream.learn.MinibatchTrainer;
import io.cellstream.lstm.Init;
import io.cellstream.lstm.LstmKernel;
import io.cellstream.lstm.ModelSpec;
import io.cellstream.state.TrainingExample;
import io.cellstream.state.TrainingExampleCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The trainer against its own kernel: the service's trainer task consuming a backlog of training examples from
 * its topic (decode, BPTT + Adam, its store written in the same transaction, exactly-once commits) against the
 * same examples trained in-process by the same {@link MinibatchTrainer} with nothing around it. Same H, window,
 * minibatch; one BPTT window per example (replay off), so the ratio is the cost of everything but the math.
 */
final class TrainerThroughput {

  private TrainerThroughput() {}

  /** {@code n} examples of {@code steps} steps for {@code spec}, every one labelled at its last step. */
  static List<TrainingExample> examples(ModelSpec spec, int steps, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int d = spec.inputSize();
    int h = spec.hiddenSize();
    List<TrainingExample> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      float[] h0 = new float[h];
      float[] c0 = new float[h];
      for (int u = 0; u < h; u++) {
        h0[u] = (float) (0.2 * r.nextGaussian());
        c0[u] = (float) (0.5 * r.nextGaussian());
      }
      float[] x = new float[steps * d];
      for (int j = 0; j < x.length; j++) {
        x[j] = (float) r.nextGaussian();
      }
      float[] t = new float[steps];
      boolean[] mask = new boolean[steps];
      mask[steps - 1] = true;
      t[steps - 1] = r.nextBoolean() ? 1f : 0f;
      out.add(new TrainingExample("e" + (i % 1000), "ev" + i, i, 1_700_000_000_000L + i, 1, steps, d, h, 1, h0, c0, x, t,
          mask, new float[] {0.5f}));
    }
    return out;
  }

  /** Writes the examples to the training topic (one partition, as the service makes it). */
  static void produce(Map<String, Object> client, String topic, List<TrainingExample> examples) {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (TrainingExample e : examples) {
        p.send(new ProducerRecord<>(topic, 0, e.entityId().getBytes(java.nio.charset.StandardCharsets.UTF_8),
            TrainingExampleCodec.encode(e)));
      }
      p.flush();
    }
  }

  /** A rate measured two ways: per second of wall clock, and per second of CPU of the threads doing the work. */
  record Rate(double perWallSecond, double perCpuSecond) {}

  /**
   * BPTT + Adam in minibatches of {@code settings.batchSize()}, in-process on this thread, over the examples
   * (cycled) for about {@code seconds}, after a warm-up of the same length: windows per second.
   */
  static Rate kernelWindows(ModelSpec spec, LearnerSettings settings, LstmKernel kernel, List<TrainingExample> examples,
      double seconds) {
    LstmCell cell = new LstmCell(spec, settings.forgetBias(), kernel);
    MinibatchTrainer t = MinibatchTrainer.create(cell, Init.uniform(spec, 42, settings.forgetBias()).data(),
        settings.adam(), settings.trainerConfig());
    run(t, examples, settings.batchSize(), seconds); // warm-up: JIT
    return run(t, examples, settings.batchSize(), seconds);
  }

  private static Rate run(MinibatchTrainer t, List<TrainingExample> examples, int batch, double seconds) {
    var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long windows = 0;
    int i = 0;
    while (System.nanoTime() < end) {
      for (int b = 0; b < batch; b++) {
        t.accumulate(examples.get(i).window());
        i = (i + 1) % examples.size();
      }
      t.update();
      windows += batch;
    }
    double wall = (System.nanoTime() - start) / 1e9;
    double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
    return new Rate(windows / wall, windows / cpu);
  }
}
