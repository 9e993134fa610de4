package io.cellstream.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the loop's topics if they are missing and checks the ones that exist: the training topic must have
 * exactly one partition (one trainer), and events and labels must be co-partitioned (same count), since a
 * label meets its entity's window on the partition of the entity's events.
 *
 * <p>A user format ({@code cellstream.input.format} avro or json) may key its records by anything: those whose key is
 * not their entity go through a repartition topic keyed by the entity, {@code <application.id>-events-by-entity}
 * (labels: {@code -labels-by-entity}), with the events topic's partition count, so that a record keyed by its
 * entity and one that came round meet the same memory. It keeps records whatever their timestamps (retention.ms -1,
 * historical event times must not make the broker delete them) and the service deletes what its application has
 * committed ({@link RepartitionPurge}), as Kafka Streams does with its own repartition topics.
 */
public final class TopicSetup {

  private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);

  private TopicSetup() {}

  public static void ensure(Admin admin, StreamSettings.Topics topics, int partitions, short replicationFactor,
      boolean create) throws InterruptedException {
    ensure(admin, topics, io.cellstream.input.InputMapping.CELLSTREAM, partitions, replicationFactor, create);
  }

  /** As above, with the repartition topics {@code mapping} needs. */
  public static void ensure(Admin admin, StreamSettings.Topics topics, io.cellstream.input.InputMapping mapping,
      int partitions, short replicationFactor, boolean create) throws InterruptedException {
    List<NewTopic> wanted = new ArrayList<>();
    wanted.add(new NewTopic(topics.events(), partitions, replicationFactor));
    wanted.add(new NewTopic(topics.labels(), partitions, replicationFactor));
    wanted.add(new NewTopic(topics.predictions(), partitions, replicationFactor));
    wanted.add(new NewTopic(topics.deadLetters(), partitions, replicationFactor));
    wanted.add(new NewTopic(topics.trainingExamples(), 1, replicationFactor)
        .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(TimeUnit.DAYS.toMillis(1)))));
    wanted.add(new NewTopic(topics.models(), 1, replicationFactor)
        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
    try {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
      if (!missing.isEmpty()) {
        if (!create) {
          throw new IllegalStateException("missing topics " + missing.stream().map(NewTopic::name).toList()
              + " and cellstream.topics.create=false: create them (training topic with 1 partition, models topic compacted)");
        }
        try {
          admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
          log.info("created topics {}", missing.stream().map(NewTopic::name).toList());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      Map<String, TopicDescription> d = describeOnceKnown(admin,
          List.of(topics.events(), topics.labels(), topics.trainingExamples()));
      int training = d.get(topics.trainingExamples()).partitions().size();
      if (training != 1) {
        throw new IllegalStateException("training topic " + topics.trainingExamples() + " has " + training
            + " partitions; it needs exactly 1 so that one trainer sees every example in order");
      }
      int ev = d.get(topics.events()).partitions().size();
      int lb = d.get(topics.labels()).partitions().size();
      if (ev != lb) {
        throw new IllegalStateException("events topic " + topics.events() + " has " + ev + " partitions but labels topic "
            + topics.labels() + " has " + lb + "; they must match (a label joins its entity on the same partition)");
      }
      List<String> byEntity = new ArrayList<>();
      if (mapping.repartitionsEvents()) {
        byEntity.add(topics.eventsByEntity());
      }
      if (mapping.repartitionsLabels()) {
        byEntity.add(topics.labelsByEntity());
      }
      if (!byEntity.isEmpty()) {
        ensureByEntity(admin, byEntity, ev, replicationFactor, create);
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create or check topics on the Kafka cluster: " + e.getMessage()
          + " (is bootstrap.servers right and the broker reachable?)", e);
    }
  }

  private static void ensureByEntity(Admin admin, List<String> names, int partitions, short replicationFactor,
      boolean create) throws InterruptedException, ExecutionException, TimeoutException {
    Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
    List<NewTopic> missing = new ArrayList<>();
    for (String n : names) {
      if (!existing.contains(n)) {
        missing.add(new NewTopic(n, partitions, replicationFactor).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1",
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)));
      }
    }
    if (!missing.isEmpty()) {
      if (!create) {
        throw new IllegalStateException("missing repartition topics " + missing.stream().map(NewTopic::name).toList()
            + " and cellstream.topics.create=false: create them with as many partitions as the events topic ("
            + partitions + ") and retention.ms=-1");
      }
      try {
        admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        log.info("created repartition topics {}", missing.stream().map(NewTopic::name).toList());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    }
    Map<String, TopicDescription> d = describeOnceKnown(admin, names);
    for (String n : names) {
      int p = d.get(n).partitions().size();
      if (p != partitions) {
        throw new IllegalStateException("repartition topic " + n + " has " + p + " partitions but the events topic has "
            + partitions + "; they must match (a record keyed by its entity and one repartitioned meet one memory)");
      }
    }
  }

  /**
   * Describes the topics, waiting out the short window after creation in which the controller knows a topic
   * but the broker answering the describe does not host it yet (UnknownTopicOrPartition).
   */
  private static Map<String, TopicDescription> describeOnceKnown(Admin admin, List<String> names)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long backoffMs = 50;
    while (true) {
      try {
        return admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(backoffMs);
        backoffMs = Math.min(1000, backoffMs * 2);
      }
    }
  }
}
