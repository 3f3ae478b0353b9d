package org.conveyord.sim.endpoints;

import org.conveyord.protocol.zpl.ZplLabel;
import org.conveyord.protocol.zpl.ZplTemplate;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The simulated printer's paper: the barcodes ZXing reads off the rendered PNG are the ones the ZPL asked for. */
class LabelRendererTest {

    @Test
    void bagLabelBarcodesAreReadBackOffThePicture() throws IOException {
        LabelRenderer.Rendered r = LabelRenderer.render(ZplLabel.bagLabel("O-1234", "B-000042", "lane-3", Map.of("grams", "1200")));
        assertThat(r.code128()).containsExactly("B-000042");
        assertThat(r.qr()).containsExactly("order=O-1234;bag=B-000042;lane=lane-3");
        var img = ImageIO.read(new ByteArrayInputStream(r.png()));
        assertThat(img.getWidth()).isEqualTo(LabelRenderer.WIDTH);
    }

    @Test
    void orderLabelTemplateToo() {
        LabelRenderer.Rendered r = LabelRenderer.render(ZplTemplate.ORDER_LABEL.render(Map.of("order", "O-9", "lane", "lane-1", "bags", "4")));
        assertThat(r.code128()).containsExactly("O-9");
        assertThat(r.qr()).containsExactly("order=O-9;lane=lane-1");
    }

    @Test
    void aLabelWithoutBarcodesHasNothingToDecode() {
        LabelRenderer.Rendered r = LabelRenderer.render("^XA^FO10,10^A0N,30,30^FDhello^FS^XZ");
        assertThat(r.code128()).isEmpty();
        assertThat(r.qr()).isEmpty();
        assertThat(r.png()).isNotEmpty();
    }
}
