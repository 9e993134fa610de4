package io.cellstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The JVM flags the code needs (incubator Vector API, native access for RocksDB, Unsafe memory access allowed so
 * that the JDK does not warn on stderr) are written twice: in {@code bin/cellstream} and in {@code pom.xml}
 * ({@code cellstream.jvmFlags}, the test JVMs' argLine). They must not drift apart.
 */
class LauncherFlagsTest {

  private static final Pattern JVM_FLAGS = Pattern.compile("(?m)^jvm_flags=\\(([^)]*)\\)");

  @Test
  void theLauncherAndTheTestJvmsUseTheSameFlags() throws Exception {
    List<String> pom = Arrays.asList(System.getProperty("cellstream.jvmFlags", "").trim().split("\\s+"));
    assertThat(pom).as("pom.xml passes cellstream.jvmFlags to the tests")
        .contains("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED");

    Matcher m = JVM_FLAGS.matcher(Files.readString(Path.of("bin", "cellstream")));
    assertThat(m.find()).as("bin/cellstream sets jvm_flags=(...)").isTrue();
    List<String> launcher = Arrays.asList(m.group(1).trim().split("\\s+"));
    assertThat(String.join(" ", launcher)).as("bin/cellstream").contains(String.join(" ", pom));

    // The container's entry point (its runtime has the incubator module baked in by jlink --add-options).
    String entrypoint = Files.readAllLines(Path.of("docker", "Dockerfile")).stream()
        .filter(l -> l.startsWith("ENTRYPOINT")).findFirst().orElse("");
    for (String flag : pom) {
      if (!flag.startsWith("--add-modules") && !flag.equals("jdk.incubator.vector")) {
        assertThat(entrypoint).as("docker/Dockerfile ENTRYPOINT").contains("\"" + flag + "\"");
      }
    }

    List<String> thisJvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
    assertThat(thisJvm).as("this test JVM's arguments").contains("--sun-misc-unsafe-memory-access=allow",
        "--enable-native-access=ALL-UNNAMED");
  }
}
