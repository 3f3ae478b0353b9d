package org.conveyord.printer;

import org.conveyord.state.NewerStateVersionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FilePrintQueueTest {

    @TempDir
    Path dir;

    @Test
    void aNewQueueFileStartsWithItsFormatVersionAndJobsSurviveAReopen() throws Exception {
        FilePrintQueue q = new FilePrintQueue(dir, "printer-1");
        q.add(new PrintJob("j-1", "^XA^XZ", "c-1", Instant.parse("2026-11-25T10:00:00Z")));
        q.update("j-1", PrintQueue.State.SENT, 1200);
        q.close();
        assertThat(Files.readAllLines(q.file())).first().isEqualTo("{\"version\":2}");

        FilePrintQueue again = new FilePrintQueue(dir, "printer-1");
        assertThat(again.entries()).containsExactly(new PrintQueue.Entry(
                new PrintJob("j-1", "^XA^XZ", "c-1", Instant.parse("2026-11-25T10:00:00Z")), PrintQueue.State.SENT, 1200));
        again.close();
    }

    @Test
    void aVersion1FileFromBeforeVersionsIsRead() throws Exception {
        // what the releases before format versions wrote: operation lines only
        Files.writeString(dir.resolve("printer-printer-1.jobs"), """
                {"op":"add","job":"j-1","zpl":"^XA^FDone^FS^XZ","cmdId":"c-1","deadline":"2026-11-25T10:00:00Z"}
                {"op":"add","job":"j-2","zpl":"^XA^FDtwo^FS^XZ","cmdId":null,"deadline":"2026-11-25T10:01:00Z"}
                {"op":"state","job":"j-2","state":"UNCERTAIN","expect":3400}
                {"op":"add","job":"j-0","zpl":"^XA^XZ","cmdId":"c-0","deadline":"2026-11-25T09:00:00Z"}
                {"op":"done","job":"j-0","outcome":"PRINTED"}
                """);
        FilePrintQueue q = new FilePrintQueue(dir, "printer-1");
        assertThat(q.entries()).containsExactlyInAnyOrder(
                new PrintQueue.Entry(new PrintJob("j-1", "^XA^FDone^FS^XZ", "c-1", Instant.parse("2026-11-25T10:00:00Z")),
                        PrintQueue.State.QUEUED, -1),
                new PrintQueue.Entry(new PrintJob("j-2", "^XA^FDtwo^FS^XZ", null, Instant.parse("2026-11-25T10:01:00Z")),
                        PrintQueue.State.UNCERTAIN, 3400));
        assertThat(q.outcome("j-0")).contains(PrintQueue.Outcome.PRINTED);
        q.finish("j-1", PrintQueue.Outcome.PRINTED);
        q.close();
        assertThat(new FilePrintQueue(dir, "printer-1").outcome("j-1")).contains(PrintQueue.Outcome.PRINTED);
    }

    @Test
    void aFileFromANewerFormatIsRefusedNamingTheFileAndBothVersions() throws Exception {
        Path f = dir.resolve("printer-printer-1.jobs");
        String future = "{\"version\":99}\n{\"op\":\"enqueue\",\"job\":\"j-1\"}\n";
        Files.writeString(f, future);
        assertThatThrownBy(() -> new FilePrintQueue(dir, "printer-1"))
                .isInstanceOf(NewerStateVersionException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("version 99")
                .hasMessageContaining("versions 1 to 2");
        assertThat(Files.readString(f)).isEqualTo(future);
    }
}
