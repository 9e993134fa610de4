package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code import --as-record} without Kafka: hand-made CSVs become a schema and records of it. */
class CsvRecordsTest {

  private static CsvRecords.Spec spec(String key, String time) {
    return new CsvRecords.Spec("tx", key, time, CsvImport.TimeFormat.AUTO, null, null, null, Map.of(), 0);
  }

  private static Path write(Path dir, String... lines) throws IOException {
    Path file = dir.resolve("in.csv");
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  private static Schema.Type typeOf(Schema record, String field) {
    return record.getField(field).schema().getType();
  }

  @Test
  void everyColumnIsAFieldOfItsInferredTypeAndBlanksAreNull(@TempDir Path dir) throws IOException {
    Path csv = write(dir,
        "card,amount,count,flag,note,empty,score",
        "c1,-12.5,3,true,\"a, quoted\",,1e-3",
        "c2,7,-4,FALSE,\"say \"\"hi\"\"\",,-2.5E2",
        "c1,,0,false,\"two",
        "lines\",,",
        "c3,1e2,+5,true,plain,,6");
    CsvRecords.Result r = CsvRecords.read(csv, spec("card", null), ',', CsvRecords.Progress.NONE);

    Schema s = r.schema();
    assertThat(s.getName()).isEqualTo("tx");
    assertThat(s.getFields()).extracting(Schema.Field::name)
        .containsExactly("card", "amount", "count", "flag", "note", "empty", "score");
    assertThat(typeOf(s, "card")).isEqualTo(Schema.Type.STRING);
    assertThat(typeOf(s, "count")).isEqualTo(Schema.Type.LONG);
    assertThat(typeOf(s, "flag")).isEqualTo(Schema.Type.BOOLEAN);
    assertThat(typeOf(s, "note")).isEqualTo(Schema.Type.STRING);
    // a blank makes the column nullable, with null as the default (a reader of an older schema can add it)
    assertThat(s.getField("amount").schema()).isEqualTo(Schema.createUnion(Schema.create(Schema.Type.NULL),
        Schema.create(Schema.Type.DOUBLE)));
    assertThat(s.getField("amount").defaultVal()).isEqualTo(org.apache.avro.JsonProperties.NULL_VALUE);
    assertThat(s.getField("score").schema().getTypes()).extracting(Schema::getType)
        .containsExactly(Schema.Type.NULL, Schema.Type.DOUBLE);
    assertThat(s.getField("empty").schema().getTypes()).extracting(Schema::getType)
        .containsExactly(Schema.Type.NULL, Schema.Type.STRING);

    assertThat(r.rows()).isEqualTo(4); // the quoted field over two lines is one row
    assertThat(r.errors()).isEmpty();
    List<GenericRecord> v = r.records().stream().map(CsvRecords.Keyed::value).toList();
    assertThat(r.records()).extracting(CsvRecords.Keyed::key).containsExactly("c1", "c2", "c1", "c3");
    assertThat(v.get(0).get("amount")).isEqualTo(-12.5);
    assertThat(v.get(1).get("amount")).isEqualTo(7.0);
    assertThat(v.get(2).get("amount")).isNull();
    assertThat(v.get(3).get("amount")).isEqualTo(100.0);
    assertThat(v).extracting(x -> x.get("count")).containsExactly(3L, -4L, 0L, 5L);
    assertThat(v).extracting(x -> x.get("flag")).containsExactly(true, false, false, true);
    assertThat(v).extracting(x -> x.get("note")).containsExactly("a, quoted", "say \"hi\"", "two\nlines", "plain");
    assertThat(v).extracting(x -> x.get("score")).containsExactly(0.001, -250.0, null, 6.0);
    assertThat(v).extracting(x -> x.get("empty")).containsOnlyNulls();
    // valid for the schema: GenericData would refuse to write it otherwise
    v.forEach(x -> assertThat(org.apache.avro.generic.GenericData.get().validate(s, x)).isTrue());
  }

  @Test
  void aTimeColumnOrdersTheRecordsAndBecomesATimestamp(@TempDir Path dir) throws IOException {
    Path csv = write(dir,
        "id,ts,x",
        "a,2024-05-01T00:00:02Z,1",
        "b,1714521600,2",        // epoch seconds: the earliest
        "a,1714521601000,3",     // epoch millis
        "c,2024-05-01T00:00:02Z,4",  // the same time as line 2: file order
        "d,yesterday,5");
    CsvRecords.Result r = CsvRecords.read(csv, spec("id", "ts"), ',', CsvRecords.Progress.NONE);
    Schema ts = r.schema().getField("ts").schema();
    assertThat(ts.getType()).isEqualTo(Schema.Type.LONG);
    assertThat(ts.getLogicalType()).isEqualTo(LogicalTypes.timestampMillis());
    assertThat(r.records()).extracting(k -> k.value().get("x")).containsExactly(2L, 3L, 1L, 4L);
    assertThat(r.records()).extracting(k -> k.value().get("ts"))
        .containsExactly(1714521600000L, 1714521601000L, 1714521602000L, 1714521602000L);
    assertThat(r.errors()).extracting(CsvImport.RowError::toString).containsExactly(
        "line 6, column ts: 'yesterday' is not a time (iso; use ISO-8601 like 2024-05-01T12:00:00Z, epoch milliseconds or epoch seconds)");
  }

  @Test
  void readingNumbersBecomeATimeOfTheirOwnBesideTheColumn(@TempDir Path dir) throws IOException {
    Path csv = write(dir,
        "reading,mote_id,humidity",
        "2,1,45.9",
        "1,2,40.1",
        "1,1,45.93");
    var s = new CsvRecords.Spec("sensor", "mote_id", "reading", CsvImport.TimeFormat.AUTO,
        Instant.parse("2010-05-09T00:00:00Z"), Duration.ofSeconds(5), "time", Map.of("mote_id", CsvColumnType.STRING), 0);
    CsvRecords.Result r = CsvRecords.read(csv, s, ',', CsvRecords.Progress.NONE);
    assertThat(r.schema().getFields()).extracting(Schema.Field::name).containsExactly("reading", "mote_id", "humidity", "time");
    assertThat(typeOf(r.schema(), "reading")).isEqualTo(Schema.Type.LONG);
    assertThat(typeOf(r.schema(), "mote_id")).isEqualTo(Schema.Type.STRING);
    assertThat(r.schema().getField("time").schema().getLogicalType()).isEqualTo(LogicalTypes.timestampMillis());
    long origin = Instant.parse("2010-05-09T00:00:00Z").toEpochMilli();
    assertThat(r.records()).extracting(k -> k.value().get("time")).containsExactly(origin + 5000, origin + 5000, origin + 10000);
    assertThat(r.records()).extracting(CsvRecords.Keyed::key).containsExactly("2", "1", "1");
    assertThat(r.records()).extracting(k -> k.value().get("mote_id")).containsExactly("2", "1", "1");
  }

  @Test
  void rowsThatDoNotFitAreSkippedByLineAndColumn(@TempDir Path dir) throws IOException {
    Path csv = write(dir,
        "k,n,flag",
        "a,1,1",
        "b,2,0",
        "c,3.5,1",    // line 4: contradicts the long inferred from the first two rows
        "d,4",        // line 5: too few fields
        "e,,1",       // line 6: blank where the first two rows had none
        "f,5,yes");   // line 7: not a flag
    var s = new CsvRecords.Spec("t", null, null, CsvImport.TimeFormat.AUTO, null, null, null,
        Map.of("flag", CsvColumnType.BOOLEAN), 2);
    CsvRecords.Result r = CsvRecords.read(csv, s, ',', CsvRecords.Progress.NONE);
    assertThat(typeOf(r.schema(), "n")).isEqualTo(Schema.Type.LONG);
    assertThat(typeOf(r.schema(), "flag")).isEqualTo(Schema.Type.BOOLEAN);
    assertThat(r.records()).extracting(k -> k.value().get("flag")).containsExactly(true, false);
    assertThat(r.records()).extracting(CsvRecords.Keyed::key).containsOnlyNulls();
    assertThat(r.errors()).extracting(CsvImport.RowError::toString).containsExactly(
        "line 4, column n: '3.5' is not an integer (the column is long)",
        "line 5: has 2 fields, the header has 3",
        "line 6, column n: blank, and the column is not nullable (its first 2 rows had no blank; --infer-rows 0 infers from every row)",
        "line 7, column flag: 'yes' is not true or false (or 1 or 0) (the column is boolean)");
    // from every row (the default) the same file needs no skipping but the short row
    CsvRecords.Result all = CsvRecords.read(csv, new CsvRecords.Spec("t", null, null, CsvImport.TimeFormat.AUTO, null, null,
        null, Map.of(), 0), ',', CsvRecords.Progress.NONE);
    assertThat(all.errors()).hasSize(1);
    assertThat(typeOf(all.schema(), "n")).isEqualTo(Schema.Type.UNION);
    assertThat(all.schema().getField("n").schema().getTypes().get(1).getType()).isEqualTo(Schema.Type.DOUBLE);
    assertThat(all.schema().getField("flag").schema().getType()).isEqualTo(Schema.Type.STRING);
  }

  @Test
  void namesAreMadeValidForAvroAndClashesAreRefused(@TempDir Path dir) throws IOException {
    Path csv = write(dir, "\uFEFFMote-ID,2nd value,ok_1", "1,2,3");
    CsvRecords.Result r = CsvRecords.read(csv, new CsvRecords.Spec(CsvRecords.recordName("sensor.readings-v2"),
        null, null, CsvImport.TimeFormat.AUTO, null, null, null, Map.of(), 0), ',', CsvRecords.Progress.NONE);
    assertThat(r.schema().getName()).isEqualTo("sensor_readings_v2");
    assertThat(r.schema().getFields()).extracting(Schema.Field::name).containsExactly("Mote_ID", "_2nd_value", "ok_1");
    assertThat(r.schema().getField("Mote_ID").doc()).isEqualTo("column 'Mote-ID'");
    assertThat(r.schema().getField("ok_1").doc()).isNull();
    assertThat(CsvRecords.recordName("my-topic.v2")).isEqualTo("my_topic_v2");
    assertThat(CsvRecords.recordName("2024")).isEqualTo("_2024");

    Path clash = write(dir, "a-b,a_b", "1,2");
    assertThatThrownBy(() -> CsvRecords.read(clash, spec(null, null), ',', CsvRecords.Progress.NONE))
        .hasMessageContaining("columns 'a-b' and 'a_b' would both be the Avro field a_b");
    Path unnamed = write(dir, "a,,c", "1,2,3");
    assertThatThrownBy(() -> CsvRecords.read(unnamed, spec(null, null), ',', CsvRecords.Progress.NONE))
        .hasMessageContaining("column 2 has no name");
    Path plain = write(dir, "a,b", "1,2");
    assertThatThrownBy(() -> CsvRecords.read(plain, spec("zz", null), ',', CsvRecords.Progress.NONE))
        .hasMessage("--key zz: no such column; the header has [a, b]");
    assertThatThrownBy(() -> new CsvRecords.Spec("t", null, "a", CsvImport.TimeFormat.AUTO, Instant.EPOCH, null, null, Map.of(), 0))
        .hasMessageContaining("--time-origin and --time-step go together");
  }

  @Test
  void progressIsToldEveryNRowsOfEachPass(@TempDir Path dir) throws IOException {
    StringBuilder b = new StringBuilder("k,v\n");
    for (int i = 0; i < 25; i++) {
      b.append("k").append(i % 7).append(',').append(i).append('\n');
    }
    Path csv = dir.resolve("big.csv");
    Files.writeString(csv, b);
    List<String> told = new ArrayList<>();
    CsvRecords.Progress everyTen = new CsvRecords.Progress() {
      @Override
      public void rows(String pass, long rows) {
        told.add(pass + " " + rows);
      }

      @Override
      public long every() {
        return 10;
      }
    };
    CsvRecords.Result r = CsvRecords.read(csv, spec("k", null), ',', everyTen);
    assertThat(r.records()).hasSize(25);
    assertThat(told).containsExactly("typed 10", "typed 20", "converted 10", "converted 20");
    assertThat(CsvRecords.Progress.NONE.every()).isEqualTo(100_000);
  }

  record Run(int exit, String out, String err) {}

  private static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = CellstreamCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void printSchemaShowsWhatWouldBeRegisteredWithoutKafka(@TempDir Path dir) throws IOException {
    Path csv = write(dir, "reading,mote,t", "1,m1,27.5", "2,m1,");
    Run run = cli("import", "--csv", csv.toString(), "--as-record", "--topic", "sensor-readings", "--key", "mote",
        "--time", "reading", "--time-origin", "2010-05-09T00:00:00Z", "--time-step", "5s", "--time-field", "time",
        "--print-schema", "--bootstrap-servers", "127.0.0.1:1");
    assertThat(run.exit()).as(run.err()).isZero();
    Schema printed = new Schema.Parser().parse(run.out());
    assertThat(printed.getName()).isEqualTo("sensor_readings");
    assertThat(printed.getFields()).extracting(Schema.Field::name).containsExactly("reading", "mote", "t", "time");
    assertThat(printed.getField("time").doc()).isEqualTo("event time: 2010-05-09T00:00:00Z + reading x PT5S");
  }

  @Test
  void eachShapeRefusesTheOtherShapesOptionsWithWhy(@TempDir Path dir) throws IOException {
    Path csv = write(dir, "a,b", "1,2");
    Run mixed = cli("import", "--csv", csv.toString(), "--as-record", "--features", "a", "--target", "b");
    assertThat(mixed.exit()).isEqualTo(RunCommand.EXIT_CONFIG);
    assertThat(mixed.err()).contains("--features, --target only apply to Event records");
    Run events = cli("import", "--csv", csv.toString(), "--entity", "a", "--time", "b");
    assertThat(events.exit()).isEqualTo(RunCommand.EXIT_CONFIG);
    assertThat(events.err()).contains("an Event import needs --features (or --as-record");
    Run keyed = cli("import", "--csv", csv.toString(), "--entity", "a", "--time", "b", "--features", "a", "--key", "a");
    assertThat(keyed.exit()).isEqualTo(RunCommand.EXIT_CONFIG);
    assertThat(keyed.err()).contains("--key only apply with --as-record");
    Run step = cli("import", "--csv", csv.toString(), "--as-record", "--time", "a", "--time-origin", "2010-05-09T00:00:00Z",
        "--time-step", "soon", "--print-schema");
    assertThat(step.exit()).isEqualTo(RunCommand.EXIT_CONFIG);
    assertThat(step.err()).contains("--time-step soon: not a duration");
  }

  @Test
  void theWalkthroughsSettingsReadTheRecordsItsImportMakes(@TempDir Path dir) throws Exception {
    // The header of the npm package's data.csv, and the import and settings of the README's walkthrough.
    Path csv = write(dir, "reading,mote_id,indoor,humidity,temperature,label", "1,1,1,45.93,27.97,0", "1,3,0,35.3,33.25,0");
    var s = new CsvRecords.Spec("sensor", "mote_id", "reading", CsvImport.TimeFormat.AUTO,
        Instant.parse("2010-05-09T00:00:00Z"), Duration.ofSeconds(5), "time", Map.of(), 0);
    Schema schema = CsvRecords.read(csv, s, ',', CsvRecords.Progress.NONE).schema();
    io.cellstream.config.Settings sensor = new io.cellstream.config.Settings()
        .withDefaults(io.cellstream.config.CellstreamConfig.defaults()).withFile(Path.of("docs/examples/sensor.properties"));
    var config = io.cellstream.config.CellstreamConfig.from(sensor);
    assertThat(config.stream().topics().events()).isEqualTo("sensor");
    assertThat(config.stream().spec().inputSize()).isEqualTo(4);
    assertThat(ImportCommand.readingNotes(config.stream().mapping(), schema, "sensor")).isEmpty();

    var typo = io.cellstream.config.CellstreamConfig.from(sensor.set("cellstream.input.entity", "mote", "test"));
    assertThat(ImportCommand.readingNotes(typo.stream().mapping(), schema, "sensor")).containsExactly(
        "note: cellstream.input.entity=mote names no field of these records; they have "
            + "[reading, mote_id, indoor, humidity, temperature, label, time]");
    var events = io.cellstream.config.CellstreamConfig.from(new io.cellstream.config.Settings()
        .withDefaults(io.cellstream.config.CellstreamConfig.defaults()));
    assertThat(ImportCommand.readingNotes(events.stream().mapping(), schema, "events")).singleElement().asString()
        .contains("reads events as cellstream Events");
  }

  @Test
  void durationsReadAsPeopleWriteThem() {
    assertThat(ImportCommand.parseDuration("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(ImportCommand.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(ImportCommand.parseDuration("1.5m")).isEqualTo(Duration.ofSeconds(90));
    assertThat(ImportCommand.parseDuration("PT5S")).isEqualTo(Duration.ofSeconds(5));
    assertThat(ImportCommand.parseDuration("1d")).isEqualTo(Duration.ofDays(1));
    assertThatThrownBy(() -> ImportCommand.parseDuration("-5s")).hasMessageContaining("not a duration");
  }
}
