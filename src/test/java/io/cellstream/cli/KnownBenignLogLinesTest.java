package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.spi.FilterReply;
import java.io.InputStream;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The console filter drops exactly the known-benign lines (as the broker and clients word them in Kafka 4.4) and
 * lets through anything else the same loggers say; and the shipped logback.xml logs to stderr only, through it.
 */
class KnownBenignLogLinesTest {

  private final LoggerContext context = new LoggerContext();
  private final KnownBenignLogLines filter = new KnownBenignLogLines();

  private FilterReply decide(String logger, Level level, String message, Throwable t) {
    LoggingEvent e = new LoggingEvent(getClass().getName(), context.getLogger(logger), level, message, t, null);
    return filter.decide(e);
  }

  /** The burst as it appeared in a 20,000-event demo here (DemoProcessIT caught it before these rules). */
  @Test
  void theTransactionsV2RetryBurstIsBenign() {
    String replicaManager = "kafka.server.ReplicaManager";
    var first = new OutOfOrderSequenceException("Invalid sequence number for producer 1 at offset 107 in partition"
        + " predictions-0: 64 (incoming seq. number). Expected sequence 0 for transactions v2 idempotent producer with"
        + " no existing state.");
    assertThat(decide(replicaManager, Level.ERROR, "[ReplicaManager broker=1] Error processing append operation on"
        + " partition OhxkmPsMScGjWuRfKNMR8g:predictions-0", first)).isEqualTo(FilterReply.DENY);
    var inFlight = new OutOfOrderSequenceException("Out of order sequence number for producer 1 at offset 171 in"
        + " partition predictions-0: 141 (incoming seq. number), 63 (current end sequence number)");
    assertThat(decide(replicaManager, Level.ERROR, "[ReplicaManager broker=1] Error processing append operation on"
        + " partition OhxkmPsMScGjWuRfKNMR8g:predictions-0", inFlight)).isEqualTo(FilterReply.DENY);

    String sender = "org.apache.kafka.clients.producer.internals.Sender";
    String prefix = "[Producer clientId=cellstream-demo-017c034e-StreamThread-1-producer, transactionalId=cellstream-demo"
        + "-017c034e-1] Got error produce response with correlation id 25 on topic-partition predictions-0, retrying"
        + " (2147483646 attempts left). Error: ";
    assertThat(decide(sender, Level.WARN, prefix + "OUT_OF_ORDER_SEQUENCE_NUMBER", null)).isEqualTo(FilterReply.DENY);
    assertThat(decide(sender, Level.WARN, prefix + "CONCURRENT_TRANSACTIONS", null)).isEqualTo(FilterReply.DENY);
    assertThat(decide(sender, Level.WARN, prefix + "CONCURRENT_TRANSACTIONS. Error Message: The producer attempted to"
        + " update a transaction while another concurrent operation on the same transaction was ongoing.", null))
        .as("with the broker's message appended").isEqualTo(FilterReply.DENY);
  }

  /** Every single instance logs it at each rebalance since num.standby.replicas defaults to 1 (the chaos suite's). */
  @Test
  void noRoomForTheStandbyCopiesOfASingleInstanceIsBenign() {
    String logger = "org.apache.kafka.streams.processor.internals.assignment.DefaultStandbyTaskAssignor";
    assertThat(decide(logger, Level.WARN, "Unable to assign 1 of 1 standby tasks for task [0_3]. There is not enough"
        + " available capacity. You should increase the number of application instances to maintain the requested"
        + " number of standby replicas.", null)).isEqualTo(FilterReply.DENY);
    assertThat(decide(logger, Level.WARN, "Some other assignor trouble", null)).isEqualTo(FilterReply.NEUTRAL);
  }

  /** Seen when two `run --embedded` started side by side (each on its own fresh broker). */
  @Test
  void anInternalTopicThatAnotherRequestJustCreatedIsBenign() {
    String logger = "org.apache.kafka.server.DefaultAutoTopicCreationManager";
    assertThat(decide(logger, Level.WARN, "Auto topic creation failed for __consumer_offsets with error"
        + " 'TOPIC_ALREADY_EXISTS': Topic '__consumer_offsets' already exists..", null)).isEqualTo(FilterReply.DENY);
    assertThat(decide(logger, Level.WARN, "Auto topic creation failed for __consumer_offsets with error"
        + " 'POLICY_VIOLATION': not allowed.", null)).isEqualTo(FilterReply.NEUTRAL);
    assertThat(decide(logger, Level.WARN, "Auto topic creation failed for events with error 'TOPIC_ALREADY_EXISTS': x.",
        null)).as("a topic of ours").isEqualTo(FilterReply.NEUTRAL);
  }

  @Test
  void otherLinesOfTheSameLoggersStillShow() {
    assertThat(decide("kafka.server.ReplicaManager", Level.ERROR,
        "[ReplicaManager broker=1] Error processing append operation on partition x:events-0",
        new IllegalStateException("disk full"))).isEqualTo(FilterReply.NEUTRAL);
    assertThat(decide("kafka.server.ReplicaManager", Level.WARN, "[ReplicaManager broker=1] something else", null))
        .isEqualTo(FilterReply.NEUTRAL);
    String prefix = "[Producer clientId=p, transactionalId=t] Got error produce response with correlation id 1 on"
        + " topic-partition p-0, ";
    assertThat(decide("org.apache.kafka.clients.producer.internals.Sender", Level.WARN,
        prefix + "retrying (3 attempts left). Error: NOT_ENOUGH_REPLICAS", null)).isEqualTo(FilterReply.NEUTRAL);
    assertThat(decide("org.apache.kafka.clients.producer.internals.Sender", Level.WARN,
        prefix + "splitting and retrying (3 attempts left). Error: MESSAGE_TOO_LARGE", null))
        .isEqualTo(FilterReply.NEUTRAL);
  }

  @Test
  void theTemporaryStateDirectoryWarningIsBenignOnlyForTheCommandsOwnDirectory() {
    String warning = "Using an OS temp directory in the state.dir property can cause failures with writing the"
        + " checkpoint file due to the fact that this directory can be cleared by the OS. Resolved state.dir: [%s]";
    String logger = "org.apache.kafka.streams.processor.internals.StateDirectory";
    Path own = Path.of(System.getProperty("java.io.tmpdir"), "cellstream-embedded-test-own", "streams");
    KnownBenignLogLines.privateStateDir(own);
    assertThat(decide(logger, Level.WARN, warning.formatted(own), null)).isEqualTo(FilterReply.DENY);
    assertThat(decide(logger, Level.WARN, warning.formatted("/tmp/kafka-streams"), null))
        .as("a state.dir the user chose in /tmp").isEqualTo(FilterReply.NEUTRAL);
  }

  @Test
  void theShippedConfigurationLogsToStderrOnlyThroughTheFilter() throws Exception {
    try (InputStream in = getClass().getResourceAsStream("/logback.xml")) {
      assertThat(in).as("src/main/resources/logback.xml on the classpath").isNotNull();
      var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
      NodeList appenders = doc.getElementsByTagName("appender");
      assertThat(appenders.getLength()).isPositive();
      for (int i = 0; i < appenders.getLength(); i++) {
        Element a = (Element) appenders.item(i);
        assertThat(a.getAttribute("class")).isEqualTo("ch.qos.logback.core.ConsoleAppender");
        assertThat(a.getElementsByTagName("target").item(0).getTextContent().strip())
            .as("appender " + a.getAttribute("name") + " writes to stderr: stdout is for results").isEqualTo("System.err");
        assertThat(((Element) a.getElementsByTagName("filter").item(0)).getAttribute("class"))
            .isEqualTo(KnownBenignLogLines.class.getName());
      }
    }
  }
}
