package io.cellstream.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tar reader on archives made by GNU tar in each format, and racing unpackers. */
class ApicurioDistributionTest {

  static final String LONG_DIR = "lib/main/" + "a-very-long-directory-name-".repeat(3) + "x";
  static final String LONG_FILE = LONG_DIR + "/io.quarkus.quarkus-some-extension-with-a-long-name-3.33.3.1.jar";

  private static Path makeArchive(Path dir, String format) throws Exception {
    assumeThat(onPath("tar")).as("needs GNU tar to make test archives").isTrue();
    Path src = Files.createDirectories(dir.resolve("src"));
    Files.writeString(src.resolve("quarkus-run.jar"), "runner");
    Files.createDirectories(src.resolve(LONG_DIR));
    Files.writeString(src.resolve(LONG_FILE), "long name");
    Files.createDirectories(src.resolve("app"));
    byte[] big = new byte[70_000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    Files.write(src.resolve("app/app.jar"), big);
    Files.createDirectories(src.resolve("quarkus/empty"));
    Path archive = dir.resolve("dist-" + format + ".tar.gz");
    Process p = new ProcessBuilder("tar", "--format=" + format, "-czf", archive.toString(), "-C", src.toString(),
        "quarkus-run.jar", "lib", "app", "quarkus").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return archive;
  }

  private static boolean onPath(String cmd) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, cmd))) {
        return true;
      }
    }
    return false;
  }

  @ParameterizedTest
  @ValueSource(strings = {"pax", "gnu", "ustar"})
  void unpacksEveryTarFormat(String format, @TempDir Path dir) throws Exception {
    Path archive = makeArchive(dir, format);
    Path home = ApicurioDistribution.unpack(archive, dir.resolve("cache"));
    assertThat(home.getFileName().toString()).isEqualTo("dist-" + format);
    assertThat(home.resolve("quarkus-run.jar")).hasContent("runner");
    assertThat(home.resolve(LONG_FILE)).hasContent("long name");
    assertThat(Files.readAllBytes(home.resolve("app/app.jar"))).isEqualTo(Files.readAllBytes(dir.resolve("src/app/app.jar")));
    assertThat(home.resolve("quarkus/empty")).isEmptyDirectory();
    // a second call finds it unpacked
    assertThat(ApicurioDistribution.unpack(archive, dir.resolve("cache"))).isEqualTo(home);
  }

  @Test
  void racingUnpackersAllGetOneCompleteCopy(@TempDir Path dir) throws Exception {
    Path archive = makeArchive(dir, "pax");
    Path cache = dir.resolve("cache");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Path>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        results.add(pool.submit((Callable<Path>) () -> ApicurioDistribution.unpack(archive, cache)));
      }
      Path first = results.getFirst().get(30, TimeUnit.SECONDS);
      for (Future<Path> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(first);
      }
      assertThat(first.resolve(LONG_FILE)).hasContent("long name");
      try (var entries = Files.list(cache)) {
        assertThat(entries.map(p -> p.getFileName().toString()).toList())
            .as("no unpacking leftovers").containsExactly("dist-pax");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void refusesEntriesThatEscapeTheTarget(@TempDir Path dir) throws Exception {
    assumeThat(onPath("tar")).isTrue();
    Path src = Files.createDirectories(dir.resolve("a/b"));
    Files.writeString(dir.resolve("a/evil.txt"), "x");
    Path archive = dir.resolve("evil.tar.gz");
    Process p = new ProcessBuilder("tar", "-P", "-czf", archive.toString(), "-C", src.toString(), "../evil.txt")
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor()).isZero();
    Path into = Files.createDirectories(dir.resolve("into"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ApicurioDistribution.untar(archive, into))
        .hasMessageContaining("escapes");
  }
}
