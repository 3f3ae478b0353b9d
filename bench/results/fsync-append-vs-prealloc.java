import java.nio.*; import java.nio.channels.*; import java.nio.file.*; import java.lang.management.*;
public class Fs {
  public static void main(String[] a) throws Exception {
    var tm = ManagementFactory.getThreadMXBean();
    byte[] line = ("{\"k\":\"node/ping/bench-abc-1\",\"h\":\"" + "a".repeat(64) + "\",\"t\":1795600000000,\"r\":\"{\\\"id\\\":\\\"x\\\",\\\"ok\\\":true,\\\"result\\\":{\\\"version\\\":\\\"0.1.0\\\",\\\"uptimeS\\\":12}}\"}\n").getBytes();
    for (int round = 0; round < 2; round++) {
      Path p1 = Path.of("target/fs-append.log"); Files.deleteIfExists(p1);
      try (var ch = FileChannel.open(p1, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
        long c0 = tm.getCurrentThreadCpuTime(), t0 = System.nanoTime();
        for (int i = 0; i < 1000; i++) { ch.write(ByteBuffer.wrap(line)); ch.force(false); }
        System.out.printf("append+fdatasync: cpu %d us/op, wall %d us/op%n", (tm.getCurrentThreadCpuTime()-c0)/1000000, (System.nanoTime()-t0)/1000000);
      }
      Path p2 = Path.of("target/fs-prealloc.log"); Files.deleteIfExists(p2);
      try (var ch = FileChannel.open(p2, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        ByteBuffer z = ByteBuffer.allocate(256*1024); ch.write(z, 0); ch.force(true);
        var d = ByteBuffer.allocateDirect(4096);
        long pos = 0, c0 = tm.getCurrentThreadCpuTime(), t0 = System.nanoTime();
        for (int i = 0; i < 1000; i++) { d.clear(); d.put(line).flip(); pos += ch.write(d, pos); ch.force(false); }
        System.out.printf("prealloc+fdatasync: cpu %d us/op, wall %d us/op%n", (tm.getCurrentThreadCpuTime()-c0)/1000000, (System.nanoTime()-t0)/1000000);
      }
    }
  }
}
