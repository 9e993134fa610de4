package io.cellstream.cli;

import io.cellstream.eval.Interleaving;
import io.cellstream.eval.StreamConfig;
import io.cellstream.eval.TaskGenerator;
import io.cellstream.eval.Tasks;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Which benchmark stream to generate: task, its parameters, entities, events, seed. */
public final class TaskOptions {

  @Option(names = "--task", paramLabel = "NAME", defaultValue = "long-lag",
      description = "Benchmark task: long-lag (recall a cue after L distractors), adding (Hochreiter & Schmidhuber's adding problem), reber (embedded Reber grammar). Default: ${DEFAULT-VALUE}.")
  String task;

  @Option(names = "--lag", paramLabel = "L", defaultValue = "50",
      description = "long-lag: distractor events between the cue and the query. Default: ${DEFAULT-VALUE}.")
  int lag;

  @Option(names = "--classes", paramLabel = "K", defaultValue = "4",
      description = "long-lag: number of cue classes (chance = 1/K). Default: ${DEFAULT-VALUE}.")
  int classes;

  @Option(names = "--sequence-length", paramLabel = "T", defaultValue = "100",
      description = "adding: minimum sequence length T. Default: ${DEFAULT-VALUE}.")
  int sequenceLength;

  @Option(names = "--entities", paramLabel = "N", defaultValue = "100",
      description = "Entities whose streams are interleaved, like real traffic. Default: ${DEFAULT-VALUE}.")
  int entities;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "Seed of the stream and of the models' initialisation. Default: ${DEFAULT-VALUE}.")
  long seed;

  /** Generator for {@code events} events (the command decides the default count). */
  TaskGenerator generator(long events) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("lag", String.valueOf(lag));
    o.put("classes", String.valueOf(classes));
    o.put("T", String.valueOf(sequenceLength));
    return Tasks.create(task, StreamConfig.of(entities, events, seed).withInterleaving(Interleaving.RANDOM), o);
  }
}
