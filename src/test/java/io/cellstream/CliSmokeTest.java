package io.cellstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.cellstream.cli.CellstreamCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class CliSmokeTest {
  @Test
  void helpNamesTheProgram() {
    StringWriter out = new StringWriter();
    var cl = CellstreamCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    int code = cl.execute("--help");
    assertThat(code).isZero();
    assertThat(out.toString()).contains("Usage: cellstream");
  }
}
