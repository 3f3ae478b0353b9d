package org.conveyord.protocol.zpl;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ZplLabelTest {

    private final List<ZplLabelReader.Item> items = new ArrayList<>();

    @Test
    void bagLabelHasTextCode128AndQr() {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("store", "Zürich");
        String zpl = ZplLabel.bagLabel("O-1", "B-1", "lane-2", extra);
        assertThat(zpl).startsWith("^XA").endsWith("^XZ\n")
                .contains("^A0N,").contains("^FDORDER O-1^FS")
                .contains("^BCN,100,Y,N,N^FDB-1^FS")
                .contains("^BQN,2,5^FDQA,order=O-1;bag=B-1;lane=lane-2^FS");
        ZplLabelReader.Label label = ZplLabelReader.parseLabel(zpl);
        assertThat(label.texts()).containsExactly("ORDER O-1", "BAG B-1", "LANE lane-2", "store: Zürich");
        assertThat(label.code128()).containsExactly("B-1");
        assertThat(label.qr()).containsExactly("order=O-1;bag=B-1;lane=lane-2");
        assertThat(label.qrFields()).containsEntry("order", "O-1").containsEntry("bag", "B-1").containsEntry("lane", "lane-2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"O-1^XZ^XA", "O~JA", "a^FS"})
    void caretOrTildeInFieldDataIsRefusedNotInjected(String order) {
        assertThatThrownBy(() -> ZplLabel.bagLabel(order, "B-1", "lane-1", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label field 'order' contains")
                .hasMessageContaining("ZPL command");
    }

    @Test
    void injectionThroughExtraValuesIsRefusedToo() {
        assertThatThrownBy(() -> ZplLabel.bagLabel("O-1", "B-1", "lane-1", Map.of("note", "~HS")))
                .hasMessageContaining("label field 'note' contains '~'");
        assertThatThrownBy(() -> ZplLabel.bagLabel("O-1", "", "lane-1", Map.of()))
                .hasMessageContaining("'bag' is missing");
    }

    @Test
    void readerSplitsLabelsAndQueriesInArrivalOrder() {
        String l1 = ZplLabel.bagLabel("O-1", "B-1", "lane-1", Map.of());
        String l2 = ZplLabel.bagLabel("O-2", "B-2", null, Map.of());
        ZplLabelReader r = new ZplLabelReader(4096, items::add);
        r.feed(("~HS" + l1 + "junk~HQES\r\n" + l2 + "~HQOD~HS").getBytes(StandardCharsets.UTF_8));
        assertThat(items).hasSize(6);
        assertThat(items.get(0)).isEqualTo(new ZplLabelReader.HostQuery(ZplLabelReader.Query.HS));
        assertThat(((ZplLabelReader.Label) items.get(1)).code128()).containsExactly("B-1");
        assertThat(items.get(2)).isEqualTo(new ZplLabelReader.HostQuery(ZplLabelReader.Query.HQES));
        assertThat(((ZplLabelReader.Label) items.get(3)).qrFields()).containsEntry("order", "O-2").doesNotContainKey("lane");
        assertThat(items.get(4)).isEqualTo(new ZplLabelReader.HostQuery(ZplLabelReader.Query.HQOD));
        assertThat(items.get(5)).isEqualTo(new ZplLabelReader.HostQuery(ZplLabelReader.Query.HS));
    }

    @ParameterizedTest(name = "chunk {0}")
    @ValueSource(ints = {1, 2, 3, 7, 64})
    void splitStreamGivesTheSameItems(int chunk) {
        byte[] in = ("~HS" + ZplLabel.bagLabel("O-1", "B-1", "lane-1", Map.of("store", "Zürich")) + "~HQES")
                .getBytes(StandardCharsets.UTF_8);
        ZplLabelReader r = new ZplLabelReader(4096, items::add);
        for (int i = 0; i < in.length; i += chunk) {
            r.feed(in, i, Math.min(chunk, in.length - i));
        }
        assertThat(items).hasSize(3);
        assertThat(((ZplLabelReader.Label) items.get(1)).texts()).contains("store: Zürich");
    }

    @Test
    void overLongLabelIsDroppedAndTheNextOneRead() {
        ZplLabelReader r = new ZplLabelReader(200, items::add);
        r.feed(("^XA" + "^FDx".repeat(5000)).getBytes(StandardCharsets.US_ASCII));
        assertThat(r.buffered()).isLessThanOrEqualTo(201);
        r.feed("^XZ^XA^FDok^FS^XZ".getBytes(StandardCharsets.US_ASCII));
        assertThat(items).hasSize(1);
        assertThat(((ZplLabelReader.Label) items.get(0)).texts()).containsExactly("ok");
        assertThat(r.dropped()).isEqualTo(1);
    }

    @Property(tries = 300)
    void randomBytesNeverThrowStayBoundedAndALabelAfterThemIsRead(@ForAll @Size(max = 600) byte[] garbage) {
        List<ZplLabelReader.Item> out = new ArrayList<>();
        ZplLabelReader r = new ZplLabelReader(512, out::add);
        r.feed(garbage);
        assertThat(r.buffered()).isLessThanOrEqualTo(520);
        // the garbage may have opened a label; ^XZ closes it, then a real one follows
        r.feed("^XZ".getBytes(StandardCharsets.US_ASCII));
        out.clear();
        r.feed(ZplLabel.toBytes(ZplLabel.bagLabel("O-9", "B-9", "lane-3", Map.of())));
        assertThat(out).singleElement().isInstanceOfSatisfying(ZplLabelReader.Label.class,
                l -> assertThat(l.code128()).containsExactly("B-9"));
    }
}
