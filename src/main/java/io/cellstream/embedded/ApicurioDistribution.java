package io.cellstream.embedded;

import io.cellstream.util.FileTrees;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the Apicurio Registry distribution ({@code io.apicurio:apicurio-registry-app:3.3.3:tar.gz:all}
 * from Maven Central) and unpacks it once into a cache directory.
 *
 * <p>Where the archive is looked for, in order: system property {@value #ARCHIVE_PROPERTY};
 * {@code ${cellstream.home}/target/apicurio/}; {@code ./target/apicurio/}; the local Maven repository
 * ({@code maven.repo.local} or {@code ~/.m2/repository}). An unpacked distribution can also be named
 * directly with {@value #HOME_PROPERTY}. The cache is {@value #CACHE_PROPERTY}, else
 * {@code $XDG_CACHE_HOME/cellstream} or {@code ~/.cache/cellstream}, else the temp directory; unpacking
 * goes to a private directory that is renamed into place atomically, so JVMs that race both succeed.
 */
public final class ApicurioDistribution {

  public static final String VERSION = "3.3.3";
  public static final String ARCHIVE_NAME = "apicurio-registry-app-" + VERSION + "-all.tar.gz";
  public static final String ARCHIVE_PROPERTY = "cellstream.apicurio.archive";
  public static final String HOME_PROPERTY = "cellstream.apicurio.home";
  public static final String CACHE_PROPERTY = "cellstream.apicurio.cache";
  static final String RUNNER = "quarkus-run.jar";
  private static final String COMPLETE_MARKER = ".cellstream-unpacked";

  private static final Logger log = LoggerFactory.getLogger(ApicurioDistribution.class);

  private ApicurioDistribution() {}

  /** The directory holding {@code quarkus-run.jar}, unpacking the archive first if needed. */
  public static Path home() {
    String home = System.getProperty(HOME_PROPERTY);
    if (home != null && !home.isBlank()) {
      Path h = Path.of(home);
      if (!Files.isRegularFile(h.resolve(RUNNER))) {
        throw new IllegalStateException(HOME_PROPERTY + "=" + home + " has no " + RUNNER);
      }
      return h;
    }
    return unpack(archive(), cacheDir());
  }

  /** The archive, or an exception that says where it was looked for and how to get it. */
  public static Path archive() {
    List<Path> candidates = new ArrayList<>();
    String prop = System.getProperty(ARCHIVE_PROPERTY);
    if (prop != null && !prop.isBlank()) {
      candidates.add(Path.of(prop));
    }
    String cellstreamHome = System.getProperty("cellstream.home");
    if (cellstreamHome != null && !cellstreamHome.isBlank()) {
      candidates.add(Path.of(cellstreamHome, "target", "apicurio", ARCHIVE_NAME));
    }
    candidates.add(Path.of("target", "apicurio", ARCHIVE_NAME).toAbsolutePath());
    String repo = System.getProperty("maven.repo.local");
    Path m2 = repo != null && !repo.isBlank() ? Path.of(repo)
        : Path.of(System.getProperty("user.home"), ".m2", "repository");
    candidates.add(m2.resolve(Path.of("io", "apicurio", "apicurio-registry-app", VERSION, ARCHIVE_NAME)));
    return firstExisting(candidates);
  }

  static Path firstExisting(List<Path> candidates) {
    for (Path c : candidates) {
      if (Files.isRegularFile(c)) {
        return c;
      }
    }
    throw new IllegalStateException("Apicurio Registry " + VERSION + " (" + ARCHIVE_NAME + ") was not found."
        + " Looked at: " + candidates + ". Build the project once to fetch it from Maven Central"
        + " (./mvnw -DskipTests package), or point -D" + ARCHIVE_PROPERTY + " at the archive, or -D"
        + HOME_PROPERTY + " at an unpacked distribution.");
  }

  static Path cacheDir() {
    String prop = System.getProperty(CACHE_PROPERTY);
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    Path dir = base.resolve("cellstream");
    try {
      Files.createDirectories(dir);
      if (Files.isWritable(dir)) {
        return dir;
      }
    } catch (IOException e) {
      // fall through to the temp directory
    }
    return Path.of(System.getProperty("java.io.tmpdir"), "cellstream-cache-" + System.getProperty("user.name"));
  }

  /**
   * Unpacks {@code archive} into {@code cacheDir/<archive name>} unless it is there already; returns
   * that directory. Idempotent and safe when several JVMs do it at once.
   */
  public static Path unpack(Path archive, Path cacheDir) {
    String name = archive.getFileName().toString().replaceFirst("\\.tar\\.gz$|\\.tgz$", "");
    Path target = cacheDir.resolve(name);
    if (Files.isRegularFile(target.resolve(COMPLETE_MARKER)) && Files.isRegularFile(target.resolve(RUNNER))) {
      return target;
    }
    long t0 = System.nanoTime();
    Path tmp = null;
    try {
      Files.createDirectories(cacheDir);
      tmp = Files.createTempDirectory(cacheDir, name + ".unpacking-");
      untar(archive, tmp);
      if (!Files.isRegularFile(tmp.resolve(RUNNER))) {
        throw new IllegalStateException(archive + " has no " + RUNNER + " at its top level");
      }
      Files.writeString(tmp.resolve(COMPLETE_MARKER), archive + "\n");
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        tmp = null;
      } catch (IOException e) {
        // Linux says "Directory not empty" (a plain FileSystemException) when another JVM got there first.
        if (!Files.exists(target)) {
          throw e;
        }
        if (!Files.isRegularFile(target.resolve(COMPLETE_MARKER))) {
          // Not complete, so not made by this code's atomic rename (a copy by hand?): replace it.
          Path stale = cacheDir.resolve(name + ".stale-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
          Files.move(target, stale, StandardCopyOption.ATOMIC_MOVE);
          FileTrees.deleteTree(stale);
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
          tmp = null;
        }
        // else another JVM won the race: use its copy.
      }
      log.info("unpacked {} into {} in {} ms", archive.getFileName(), target, (System.nanoTime() - t0) / 1_000_000);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack " + archive + " into " + cacheDir, e);
    } finally {
      if (tmp != null) {
        FileTrees.deleteTree(tmp);
      }
    }
  }

  /**
   * A small tar reader (ustar, with PAX and GNU long names): regular files and directories only, every
   * path kept inside {@code into}.
   */
  static void untar(Path archive, Path into) throws IOException {
    Path root = into.toAbsolutePath().normalize();
    try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive), 1 << 16),
        1 << 16)) {
      byte[] header = new byte[512];
      String longName = null;
      long paxSize = -1;
      while (true) {
        if (!readBlock(in, header)) {
          return;
        }
        if (isZero(header)) {
          return;
        }
        String name = longName != null ? longName : string(header, 0, 100);
        if (longName == null && "ustar".equals(string(header, 257, 6).trim())) {
          String prefix = string(header, 345, 155);
          if (!prefix.isEmpty()) {
            name = prefix + "/" + name;
          }
        }
        long size = paxSize >= 0 ? paxSize : number(header, 124, 12);
        int mode = (int) number(header, 100, 8);
        char type = (char) header[156];
        longName = null;
        paxSize = -1;
        switch (type) {
          case 'x' -> {
            for (String rec : new String(readData(in, size), StandardCharsets.UTF_8).split("\n")) {
              int sp = rec.indexOf(' ');
              int eq = rec.indexOf('=');
              if (sp < 0 || eq < sp) {
                continue;
              }
              String key = rec.substring(sp + 1, eq);
              String value = rec.substring(eq + 1);
              if (key.equals("path")) {
                longName = value;
              } else if (key.equals("size")) {
                paxSize = Long.parseLong(value);
              }
            }
          }
          case 'L' -> longName = string(readData(in, size), 0, (int) size);
          case '0', '\0', '7', '5' -> {
            while (name.startsWith("./")) {
              name = name.substring(2);
            }
            Path out = root.resolve(name).normalize();
            if (!out.startsWith(root)) {
              throw new IOException("tar entry escapes the target directory: " + name);
            }
            if (type == '5' || name.endsWith("/")) {
              Files.createDirectories(out);
              skip(in, size);
            } else {
              Files.createDirectories(out.getParent());
              try (OutputStream os = Files.newOutputStream(out)) {
                copy(in, os, size);
              }
              skip(in, padding(size));
              if ((mode & 0100) != 0) {
                out.toFile().setExecutable(true, false);
              }
            }
          }
          default -> skip(in, size + padding(size)); // 'g' global PAX, links, devices: not in the archive
        }
        if (type == 'x' || type == 'L') {
          skip(in, padding(size));
        }
      }
    }
  }

  private static long padding(long size) {
    return (512 - size % 512) % 512;
  }

  private static boolean readBlock(InputStream in, byte[] b) throws IOException {
    int n = in.readNBytes(b, 0, b.length);
    if (n == 0) {
      return false;
    }
    if (n < b.length) {
      throw new EOFException("truncated tar header");
    }
    return true;
  }

  private static byte[] readData(InputStream in, long size) throws IOException {
    if (size > (1 << 20)) {
      throw new IOException("tar extended header of " + size + " bytes");
    }
    byte[] b = in.readNBytes((int) size);
    if (b.length != size) {
      throw new EOFException("truncated tar entry");
    }
    return b;
  }

  private static void copy(InputStream in, OutputStream out, long size) throws IOException {
    byte[] buf = new byte[1 << 16];
    long left = size;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new EOFException("truncated tar entry");
      }
      out.write(buf, 0, n);
      left -= n;
    }
  }

  private static void skip(InputStream in, long n) throws IOException {
    long left = n;
    while (left > 0) {
      long k = in.skip(left);
      if (k <= 0) {
        if (in.read() < 0) {
          throw new EOFException("truncated tar entry");
        }
        k = 1;
      }
      left -= k;
    }
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String string(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static long number(byte[] b, int off, int len) {
    if ((b[off] & 0x80) != 0) { // GNU base-256
      long v = b[off] & 0x7f;
      for (int i = 1; i < len; i++) {
        v = (v << 8) | (b[off + i] & 0xff);
      }
      return v;
    }
    String s = string(b, off, len).trim();
    return s.isEmpty() ? 0 : Long.parseLong(s, 8);
  }
}
