package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cellstream.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local state is claimed for one Kafka cluster and refused, untouched, when another cluster comes along. */
class StateDirectoryGuardTest {

  @Test
  void theFirstStartRecordsTheClusterAndTheSameClusterMayReuseIt(@TempDir Path stateDir) throws Exception {
    StateDirectoryGuard.claim(stateDir, "app", "cluster-A", "127.0.0.1:9092");
    assertThat(Files.readString(stateDir.resolve("app").resolve(StateDirectoryGuard.MARKER)).strip())
        .isEqualTo("cluster-A");
    StateDirectoryGuard.claim(stateDir, "app", "cluster-A", "127.0.0.1:9092");
    StateDirectoryGuard.claim(stateDir, "other-app", "cluster-B", "127.0.0.1:9093");
  }

  @Test
  void stateOfAnotherClusterIsRefusedWithTheFixAndLeftAsItIs(@TempDir Path stateDir) throws Exception {
    StateDirectoryGuard.claim(stateDir, "cellstream", "cluster-A", "127.0.0.1:9092");
    Path task = Files.createDirectories(stateDir.resolve("cellstream").resolve("0_0"));
    Files.writeString(task.resolve(".checkpoint"), "0\n1\nmodels 0 12345\n");

    assertThatThrownBy(() -> StateDirectoryGuard.claim(stateDir, "cellstream", "cluster-B", "127.0.0.1:40123"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("state.dir: " + stateDir.resolve("cellstream").toAbsolutePath())
        .hasMessageContaining("for Kafka cluster cluster-A, but 127.0.0.1:40123 is cluster cluster-B")
        .hasMessageContaining("delete " + stateDir.resolve("cellstream").toAbsolutePath())
        .hasMessageContaining("--set state.dir=DIR");
    assertThat(task.resolve(".checkpoint")).exists();
    assertThat(Files.readString(stateDir.resolve("cellstream").resolve(StateDirectoryGuard.MARKER)).strip())
        .isEqualTo("cluster-A");
  }

  @Test
  void stateFromBeforeTheMarkerIsAdoptedAndMarked(@TempDir Path stateDir) throws Exception {
    Files.createDirectories(stateDir.resolve("cellstream").resolve("1_0"));
    StateDirectoryGuard.claim(stateDir, "cellstream", "cluster-A", "k:9092");
    assertThat(stateDir.resolve("cellstream").resolve(StateDirectoryGuard.MARKER)).exists();
    assertThatThrownBy(() -> StateDirectoryGuard.claim(stateDir, "cellstream", "cluster-B", "k:9092"))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void theStateDirIsTheConfiguredOneOrKafkaStreamsDefault() {
    Properties p = new Properties();
    assertThat(StateDirectoryGuard.stateDir(p))
        .isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "kafka-streams"));
    p.setProperty("state.dir", "/var/lib/cellstream");
    assertThat(StateDirectoryGuard.stateDir(p)).isEqualTo(Path.of("/var/lib/cellstream"));
  }
}
