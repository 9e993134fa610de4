package io.cellstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cellstream bench}: a parent for the benchmarks; it only lists them. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks. Run one of the subcommands below.",
    subcommands = {BenchKernelCommand.class, BenchStreamCommand.class})
public final class BenchCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
