package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cellstream.avro.Event;
import io.cellstream.lstm.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvImportTest {

  private static CsvImport.Spec spec(Task task) {
    return new CsvImport.Spec("card", "ts", List.of("f*"), "fraud", null, task, 0, CsvImport.TimeFormat.AUTO);
  }

  @Test
  void rowsBecomeEventsSortedByTimeAndBadRowsAreReportedByLineAndColumn(@TempDir Path dir) throws IOException {
    Path csv = dir.resolve("tx.csv");
    Files.writeString(csv, String.join("\n",
        "card,ts,f1,f2,fraud,note",
        "c1,2024-05-01T00:00:03Z,1.5,2,0,\"a, quoted\"",   // line 2
        "c2,1714521601,0.5,-1,1,plain",                    // line 3: epoch seconds
        "c1,1714521602000,3,4,,\"multi",                   // line 4: epoch millis, no target; quoted over two lines
        "line\"",
        "c3,2024-05-01T00:00:09Z,abc,1,0,x",               // line 6: bad feature
        ",2024-05-01T00:00:09Z,1,1,0,x",                   // line 7: empty entity
        "c4,yesterday,1,1,0,x",                            // line 8: bad time
        "c5,2024-05-01T00:00:09Z,1,1,2,x",                 // line 9: binary target 2
        "c6,2024-05-01T00:00:09Z,1,NaN,0,x",               // line 10: not finite
        "c7,2024-05-01T00:00:09Z,1,1",                     // line 11: too few fields
        "c8,2024-05-01 00:00:00,7,8,1,x",                  // line 12: local date-time = UTC
        ""));
    CsvImport.Result r = CsvImport.read(csv, spec(Task.BINARY), ',');
    assertThat(r.rows()).isEqualTo(10); // the quoted field over lines 4-5 is one record
    assertThat(r.featureColumns()).containsExactly("f1", "f2");
    assertThat(r.events()).extracting(Event::getEntityId).containsExactly("c8", "c2", "c1", "c1");
    assertThat(r.events()).extracting(e -> e.getEventTime().toEpochMilli())
        .containsExactly(1714521600000L, 1714521601000L, 1714521602000L, 1714521603000L);
    assertThat(r.events().get(2).getTarget()).isNull();
    assertThat(r.events().get(3).getFeatures()).containsExactly(1.5f, 2f);
    assertThat(r.withTarget()).isEqualTo(3);
    assertThat(r.errors()).extracting(CsvImport.RowError::toString).containsExactly(
        "line 6, column f1: 'abc' is not a number",
        "line 7, column card: empty entity id",
        "line 8, column ts: 'yesterday' is not a time (iso; use ISO-8601 like 2024-05-01T12:00:00Z, epoch milliseconds or epoch seconds)",
        "line 9, column fraud: binary target must be 0 or 1, got 2.0",
        "line 10, column f2: 'NaN' is not a finite number",
        "line 11: has 4 fields, the header has 6");
  }

  @Test
  void missingColumnsAreNamedWithTheHeader(@TempDir Path dir) throws IOException {
    Path csv = dir.resolve("x.csv");
    Files.writeString(csv, "a,b,c\n1,2,3\n");
    assertThatThrownBy(() -> CsvImport.read(csv, new CsvImport.Spec("a", "zz", List.of("b"), null, null, null, 0,
        CsvImport.TimeFormat.AUTO), ','))
        .hasMessage("--time zz: no such column; the header has [a, b, c]");
    assertThatThrownBy(() -> CsvImport.read(csv, new CsvImport.Spec("a", "b", List.of("q*"), null, null, null, 0,
        CsvImport.TimeFormat.AUTO), ','))
        .hasMessageContaining("--features q*: no column starts with 'q'");
  }

  @Test
  void multiclassTargetsMustBeClassIndexes() {
    var s = new CsvImport.Spec("a", "b", List.of("c"), "d", null, Task.MULTICLASS, 3, CsvImport.TimeFormat.AUTO);
    assertThat(CsvImport.checkTarget(2f, s)).isEqualTo(2f);
    assertThatThrownBy(() -> CsvImport.checkTarget(3f, s)).hasMessageContaining("0..2");
    assertThatThrownBy(() -> CsvImport.checkTarget(1.5f, s)).hasMessageContaining("class index");
  }
}
