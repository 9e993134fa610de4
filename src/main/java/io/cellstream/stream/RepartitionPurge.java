package io.cellstream.stream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes from the repartition topics ({@code <application.id>-events-by-entity}, {@code -labels-by-entity}) what the
 * application has committed, as Kafka Streams does with the repartition topics it makes itself: they keep records
 * whatever their timestamps (retention.ms -1), so something must trim them. Any instance may run it (the offsets are
 * the group's); a failure is logged and tried again next time.
 */
public final class RepartitionPurge {

  private static final Logger log = LoggerFactory.getLogger(RepartitionPurge.class);
  /** Every 30 probes of the Kafka probe (one a second). */
  static final int EVERY_PROBES = 30;

  private final String groupId;
  private final List<String> topics;
  private final Map<TopicPartition, Long> purged = new HashMap<>();
  private boolean warned;

  private RepartitionPurge(String groupId, List<String> topics) {
    this.groupId = groupId;
    this.topics = topics;
  }

  /** The purge for {@code settings}' repartition topics, or null when it has none. */
  public static RepartitionPurge of(StreamSettings settings, String applicationId) {
    List<String> topics = new ArrayList<>();
    if (settings.mapping().repartitionsEvents()) {
      topics.add(settings.topics().eventsByEntity());
    }
    if (settings.mapping().repartitionsLabels()) {
      topics.add(settings.topics().labelsByEntity());
    }
    return topics.isEmpty() ? null : new RepartitionPurge(applicationId, topics);
  }

  /** Deletes what the group has committed of the repartition topics; logs (once) and returns when it cannot. */
  public void run(Admin admin) {
    try {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
          .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
      Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
      for (var e : committed.entrySet()) {
        TopicPartition tp = e.getKey();
        if (e.getValue() != null && topics.contains(tp.topic())
            && e.getValue().offset() > purged.getOrDefault(tp, 0L)) {
          delete.put(tp, RecordsToDelete.beforeOffset(e.getValue().offset()));
        }
      }
      if (!delete.isEmpty()) {
        admin.deleteRecords(delete).all().get(5, TimeUnit.SECONDS);
        delete.forEach((tp, r) -> purged.put(tp, r.beforeOffset()));
      }
      warned = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (!warned) {
        log.warn("could not delete the committed records of the repartition topics {} ({}); trying again in {} s",
            topics, e.getMessage(), EVERY_PROBES);
        warned = true;
      }
    }
  }
}
