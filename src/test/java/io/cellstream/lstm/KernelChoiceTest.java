package io.cellstream.lstm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The provider in fresh JVMs, with and without the incubator module: without it the scalar kernel runs
 * (and the vector class never links, or the JVM would fail to start the class); the property forces one.
 */
class KernelChoiceTest {

  @Test
  void withoutTheModuleTheScalarKernelRuns() throws Exception {
    String out = run(List.of());
    assertThat(out).contains("kernel=scalar").contains("jdk.incubator.vector is not in the boot layer");
  }

  @Test
  void withTheModuleTheVectorKernelRuns() throws Exception {
    String out = run(List.of("--add-modules", "jdk.incubator.vector"));
    assertThat(out).contains("kernel=vector").contains("lanes per vector");
  }

  @Test
  void thePropertyForcesTheScalarKernel() throws Exception {
    String out = run(List.of("--add-modules", "jdk.incubator.vector", "-Dcellstream.kernel=scalar"));
    assertThat(out).contains("kernel=scalar").contains("forced by -Dcellstream.kernel=scalar");
  }

  @Test
  void forcingTheVectorKernelWithoutTheModuleFailsLoudly() throws Exception {
    String out = run(List.of("-Dcellstream.kernel=vector"));
    assertThat(out).doesNotContain("kernel=").contains("the vector kernel is unavailable");
  }

  @Test
  void namesAreChecked() {
    assertThat(LstmKernels.named("scalar")).isSameAs(LstmKernels.scalar());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LstmKernels.named("gpu"))
        .hasMessageContaining("unknown kernel 'gpu'");
  }

  private static String run(List<String> jvmArgs) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-Xshare:auto");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(KernelChoiceMain.class.getName());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new String(out, StandardCharsets.UTF_8);
  }
}
