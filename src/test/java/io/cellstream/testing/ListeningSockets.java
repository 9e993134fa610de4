package io.cellstream.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The TCP sockets in LISTEN state on this machine, from Linux's {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6}: lets a test check that a server binds 127.0.0.1 only.
 */
public final class ListeningSockets {

  /** One listening socket. */
  public record Listener(InetAddress address, int port, long inode) {}

  private ListeningSockets() {}

  /** Whether {@code /proc/net/tcp} can be read (Linux). */
  public static boolean available() {
    return Files.isReadable(Path.of("/proc/net/tcp"));
  }

  /** Every listening socket on {@code port}, IPv4 and IPv6. */
  public static List<Listener> on(int port) {
    List<Listener> out = new ArrayList<>();
    for (Listener l : all()) {
      if (l.port() == port) {
        out.add(l);
      }
    }
    return out;
  }

  /** Every listening socket that process {@code pid} holds open (needs read access to its fds). */
  public static List<Listener> ofProcess(long pid) {
    java.util.Set<Long> inodes = new java.util.HashSet<>();
    try (var fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
      fds.forEach(fd -> {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
          }
        } catch (IOException | RuntimeException e) {
          // closed meanwhile
        }
      });
    } catch (IOException e) {
      throw new IllegalStateException("cannot list the sockets of process " + pid, e);
    }
    return all().stream().filter(l -> inodes.contains(l.inode())).toList();
  }

  public static List<Listener> all() {
    List<Listener> out = new ArrayList<>();
    read(Path.of("/proc/net/tcp"), out);
    read(Path.of("/proc/net/tcp6"), out);
    return out;
  }

  private static void read(Path file, List<Listener> out) {
    if (!Files.isReadable(file)) {
      return;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      return;
    }
    for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 4 || !f[3].equals("0A")) { // 0A = LISTEN
        continue;
      }
      String[] local = f[1].split(":");
      out.add(new Listener(address(local[0]), Integer.parseInt(local[1], 16), Long.parseLong(f[9])));
    }
  }

  /** The kernel prints each 32-bit word of the address in host (little-endian) byte order. */
  private static InetAddress address(String hex) {
    byte[] b = new byte[hex.length() / 2];
    for (int word = 0; word < b.length / 4; word++) {
      for (int i = 0; i < 4; i++) {
        int at = (word * 4 + (3 - i)) * 2;
        b[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
      }
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(hex, e);
    }
  }
}
