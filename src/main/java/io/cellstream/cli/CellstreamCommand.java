package io.cellstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cellstream} entry point. Each capability is a subcommand; this class only wires them.
 */
@Command(
    name = "cellstream",
    mixinStandardHelpOptions = true,
    versionProvider = CellstreamCommand.Version.class,
    description = {
        "Per-entity LSTM memory for Kafka streams: every entity (card, device, user) keeps its own",
        "hidden and cell state; each event gets a prediction; labels train the model online.",
        "Every command writes its results to stdout (with --json one JSON line, last) and its progress and logs",
        "to stderr: `cellstream demo --json 2>/dev/null | tail -1` is the JSON.",
        ""
    },
    subcommands = {DemoCommand.class, RunCommand.class, TailCommand.class, ReplayCommand.class, ImportCommand.class,
        EvalCommand.class,
        BenchCommand.class,
        CommandLine.HelpCommand.class})
public final class CellstreamCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static CommandLine commandLine() {
    return new CommandLine(new CellstreamCommand());
  }

  public static void main(String[] args) {
    int exit = commandLine().execute(args);
    System.exit(exit);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = CellstreamCommand.class.getPackage().getImplementationVersion();
      return new String[] {
        "cellstream " + (v == null ? "dev" : v),
        "JVM " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
      };
    }
  }
}
