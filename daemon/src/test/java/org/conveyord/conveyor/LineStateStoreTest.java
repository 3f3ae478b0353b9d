package org.conveyord.conveyor;

import org.conveyord.state.NewerStateVersionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LineStateStoreTest {

    @TempDir
    Path dir;

    /** What today's code writes (and the releases before format checks wrote): version 1. */
    private static final String VERSION_1 = """
            {"version":1,"orders":[{"id":"O-1","bags":[{"bag":"B-1","grams":812.5},{"bag":"B-2"}],"requestedDest":null,\
            "cmdId":"c-1","lane":"lane-2","arrived":["B-1"],"complete":false}],\
            "lanes":[{"id":"lane-2","order":"O-1","bags":["B-1"]},{"id":"lane-1","order":null,"bags":[]}]}""";

    @Test
    void aVersion1FileIsReadWithItsOrdersAndLanes() throws Exception {
        Path f = dir.resolve("line-1.line-state.json");
        Files.writeString(f, VERSION_1);
        LineStateStore store = new LineStateStore(f);
        LineStateStore.Snapshot s = store.load().orElseThrow();
        assertThat(s.orders()).containsExactly(new LineStateStore.OrderRecord("O-1",
                List.of(new OrderBook.OrderBag("B-1", 812.5), new OrderBook.OrderBag("B-2", null)), null, "c-1", "lane-2",
                List.of("B-1"), false));
        assertThat(s.lanes()).containsExactly(new LineStateStore.LaneRecord("lane-2", "O-1", List.of("B-1")),
                new LineStateStore.LaneRecord("lane-1", null, List.of()));
        store.close();
    }

    @Test
    void aFileWithoutAVersionIsVersion1() throws Exception {
        Path f = dir.resolve("line-1.line-state.json");
        Files.writeString(f, VERSION_1.replace("\"version\":1,", ""));
        LineStateStore store = new LineStateStore(f);
        assertThat(store.load().orElseThrow().orders()).extracting(LineStateStore.OrderRecord::id).containsExactly("O-1");
        store.close();
    }

    @Test
    void whatItSavesIsVersion1AndReadsBack() throws Exception {
        Path f = dir.resolve("line-1.line-state.json");
        LineStateStore store = new LineStateStore(f);
        var snap = new LineStateStore.Snapshot(List.of(), List.of(new LineStateStore.LaneRecord("lane-1", "O-7", List.of("B-9"))));
        store.save(snap).get();
        store.close();
        assertThat(Files.readString(f)).startsWith("{\"version\":1,");
        assertThat(new LineStateStore(f).load()).contains(snap);
    }

    @Test
    void aFileFromANewerFormatIsRefusedBeforeTheLineStartsNamingTheFileAndBothVersions() throws Exception {
        Path f = dir.resolve("line-1.line-state.json");
        String future = "{\"version\":99,\"orders\":{\"O-1\":{}}}";
        Files.writeString(f, future);
        assertThatThrownBy(() -> new LineStateStore(f))
                .isInstanceOf(NewerStateVersionException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("version 99")
                .hasMessageContaining("reads version 1 of it");
        assertThat(Files.readString(f)).isEqualTo(future);
    }
}
