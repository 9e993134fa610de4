package io.cellstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The type inference rule of {@code import --as-record}, cell by cell and column by column. */
class CsvColumnTypeTest {

  private static CsvColumnType.Inference column(String... cells) {
    CsvColumnType.Inference c = new CsvColumnType.Inference();
    for (String cell : cells) {
      c.observe(cell);
    }
    return c;
  }

  @Test
  void integersWithinSixtyFourBitsAreLongs() {
    assertThat(column("0", "42", "-7", "+3", " 12 ", "9223372036854775807", "-9223372036854775808").type())
        .isEqualTo(CsvColumnType.LONG);
    // one past the range would lose digits as a double: text
    assertThat(column("1", "9223372036854775808").type()).isEqualTo(CsvColumnType.STRING);
  }

  @Test
  void decimalsNegativesAndExponentsAreDoubles() {
    assertThat(column("1", "2.5", "-0.25", "-.5", "+.5", "1e-3", "6.02E23", "-1.5e+2", "3.").type())
        .isEqualTo(CsvColumnType.DOUBLE);
    assertThat(CsvColumnType.DOUBLE.parse("-1.5e+2", false)).isEqualTo(-150.0);
    assertThat(CsvColumnType.DOUBLE.parse(" 1e-3 ", false)).isEqualTo(0.001);
    // beyond a double's range is not a finite number
    assertThat(column("1.5", "1e999").type()).isEqualTo(CsvColumnType.STRING);
  }

  @Test
  void whatJavaWouldParseButACsvDoesNotMeanStaysText() {
    for (String text : new String[] {"NaN", "Infinity", "-Infinity", "0x1F", "1d", "2f", "1,000", "1 000", "e5", "1e",
        "--1", "1.2.3", "."}) {
      assertThat(column("1", text).type()).as(text).isEqualTo(CsvColumnType.STRING);
    }
  }

  @Test
  void leadingZerosKeepIdentifiersAsText() {
    assertThat(column("007", "123").type()).isEqualTo(CsvColumnType.STRING);
    assertThat(column("01.5").type()).isEqualTo(CsvColumnType.STRING);
    assertThat(column("0", "0.5", "-0", "0e1").type()).isEqualTo(CsvColumnType.DOUBLE);
  }

  @Test
  void trueAndFalseInAnyCaseAreBooleansButOneAndZeroAreNumbers() {
    assertThat(column("true", "FALSE", "True").type()).isEqualTo(CsvColumnType.BOOLEAN);
    assertThat(column("1", "0", "1").type()).isEqualTo(CsvColumnType.LONG);
    assertThat(column("true", "1").type()).isEqualTo(CsvColumnType.STRING);
    assertThat(column("yes", "no").type()).isEqualTo(CsvColumnType.STRING);
  }

  @Test
  void blanksMakeAColumnNullableWithoutChangingItsType() {
    CsvColumnType.Inference c = column("1.5", "", "   ", "-2");
    assertThat(c.type()).isEqualTo(CsvColumnType.DOUBLE);
    assertThat(c.nullable()).isTrue();
    assertThat(column("1", "2").nullable()).isFalse();
    CsvColumnType.Inference empty = column("", " ");
    assertThat(empty.type()).isEqualTo(CsvColumnType.STRING);
    assertThat(empty.nullable()).isTrue();
    assertThat(column().nullable()).isTrue();
  }

  @Test
  void mixedNumbersAndWordsAreText() {
    assertThat(column("1", "2.5", "n/a").type()).isEqualTo(CsvColumnType.STRING);
    assertThat(column("true", "2.5").type()).isEqualTo(CsvColumnType.STRING);
  }

  @Test
  void stringsKeepTheirSpacesAndNumbersLoseThem() {
    assertThat(CsvColumnType.STRING.parse(" a b ", false)).isEqualTo(" a b ");
    assertThat(CsvColumnType.LONG.parse(" -12 ", false)).isEqualTo(-12L);
  }

  @Test
  void aCellThatContradictsItsColumnSaysWhy() {
    assertThatThrownBy(() -> CsvColumnType.LONG.parse("1.5", false)).hasMessage("'1.5' is not an integer (the column is long)");
    assertThatThrownBy(() -> CsvColumnType.DOUBLE.parse("abc", false))
        .hasMessage("'abc' is not a finite decimal number (the column is double)");
    assertThatThrownBy(() -> CsvColumnType.BOOLEAN.parse("1", false)).hasMessage("'1' is not true or false (the column is boolean)");
  }

  @Test
  void aColumnForcedToBooleanAlsoTakesOneAndZero() {
    assertThat(CsvColumnType.BOOLEAN.parse("1", true)).isEqualTo(true);
    assertThat(CsvColumnType.BOOLEAN.parse("0", true)).isEqualTo(false);
    assertThat(CsvColumnType.BOOLEAN.parse("TRUE", true)).isEqualTo(true);
    assertThatThrownBy(() -> CsvColumnType.BOOLEAN.parse("2", true)).hasMessageContaining("(or 1 or 0)");
    assertThat(CsvColumnType.parse(" Boolean ")).isEqualTo(CsvColumnType.BOOLEAN);
    assertThatThrownBy(() -> CsvColumnType.parse("int")).hasMessageContaining("use long, double, boolean or string");
  }
}
