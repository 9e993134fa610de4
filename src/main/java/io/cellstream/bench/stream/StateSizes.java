package io.cellstream.bench.stream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;

/** Where the state of a run went: RocksDB files on disk and the changelog topic on the brokers. */
final class StateSizes {

  /** A topic's size on the brokers and its records (offsets, transaction markers included). */
  record TopicSize(long bytes, long offsets) {}

  private StateSizes() {}

  /** Sum of the sizes of all files below any directory named {@code storeName} under {@code root}. */
  static long directoryBytes(Path root, String storeName) {
    if (!Files.isDirectory(root)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> under(p, root, storeName))
          .mapToLong(p -> {
            try {
              return Files.size(p);
            } catch (IOException e) {
              return 0;
            }
          }).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean under(Path file, Path root, String dirName) {
    for (Path p = file.getParent(); p != null && !p.equals(root); p = p.getParent()) {
      if (p.getFileName().toString().equals(dirName)) {
        return true;
      }
    }
    return false;
  }

  /** Bytes of {@code topic} summed over the log directories of every broker (all replicas), and its offsets. */
  static TopicSize topicSize(Admin admin, String topic) throws InterruptedException {
    try {
      Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
      List<Integer> ids = nodes.stream().map(Node::id).toList();
      Map<Integer, Map<String, LogDirDescription>> dirs =
          admin.describeLogDirs(ids).allDescriptions().get(30, TimeUnit.SECONDS);
      long bytes = 0;
      for (Map<String, LogDirDescription> byDir : dirs.values()) {
        for (LogDirDescription d : byDir.values()) {
          for (Map.Entry<TopicPartition, ReplicaInfo> e : d.replicaInfos().entrySet()) {
            if (e.getKey().topic().equals(topic)) {
              bytes += e.getValue().size();
            }
          }
        }
      }
      TopicDescription td = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
      Map<TopicPartition, OffsetSpec> earliest = new java.util.HashMap<>();
      td.partitions().forEach(p -> {
        latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
        earliest.put(new TopicPartition(topic, p.partition()), OffsetSpec.earliest());
      });
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> start = admin.listOffsets(earliest).all().get(30, TimeUnit.SECONDS);
      long offsets = 0;
      for (TopicPartition tp : end.keySet()) {
        offsets += end.get(tp).offset() - start.get(tp).offset();
      }
      return new TopicSize(bytes, offsets);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot measure topic " + topic + ": " + e.getMessage(), e);
    }
  }
}
