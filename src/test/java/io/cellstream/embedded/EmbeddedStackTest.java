package io.cellstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Temporary stack directories left by a JVM that was killed are removed by the next stack, and only those: a
 * live owner's, one without an owner file (still starting) and anything not ours stay.
 */
class EmbeddedStackTest {

  @Test
  void removesOnlyTheTemporaryDirectoriesOfJvmsThatAreGone(@TempDir Path tmp) throws Exception {
    Path live = stackDir(tmp, "live", EmbeddedStack.owner(ProcessHandle.current()));
    // This pid, but another start time: the pid was reused, the owner is gone.
    Path reused = stackDir(tmp, "reused", ProcessHandle.current().pid() + " 2001-01-01T00:00:00Z");
    Process exited = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String exitedOwner = EmbeddedStack.owner(exited.toHandle());
    exited.waitFor();
    Path gone = stackDir(tmp, "gone", exitedOwner);
    Path starting = Files.createDirectory(tmp.resolve(EmbeddedStack.TEMPORARY_PREFIX + "starting"));
    Path notOurs = Files.createDirectory(tmp.resolve("cellstream-kafka-123"));
    Files.writeString(notOurs.resolve(EmbeddedStack.OWNER_FILE), "1 ?");

    EmbeddedStack.sweepAbandoned(tmp);

    assertThat(live).exists();
    assertThat(starting).exists();
    assertThat(notOurs).exists();
    assertThat(reused).doesNotExist();
    assertThat(gone).doesNotExist();
  }

  private static Path stackDir(Path tmp, String name, String owner) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(EmbeddedStack.TEMPORARY_PREFIX + name).resolve("kafka"))
        .getParent();
    Files.writeString(dir.resolve("kafka").resolve("meta.properties"), "cluster.id=x");
    Files.writeString(dir.resolve(EmbeddedStack.OWNER_FILE), owner);
    return dir;
  }
}
