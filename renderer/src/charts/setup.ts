import {
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  TimeScale,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import 'chartjs-adapter-date-fns';
import annotationPlugin from 'chartjs-plugin-annotation';
import zoomPlugin from 'chartjs-plugin-zoom';
import { markRaw, onBeforeUnmount, onMounted, shallowRef, watch, type Ref, type ShallowRef } from 'vue';

// Tree-shaken Chart.js: only what the console's line charts use is registered.
Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, TimeScale, Tooltip, Filler, annotationPlugin, zoomPlugin);

/**
 * One Chart.js chart on a canvas, rebuilt from `config` whenever it changes. Chart.js mutates what
 * it is given, so Vue must not proxy it (markRaw). Where the canvas has no 2D context (happy-dom in
 * the component tests) no chart is drawn and `chart` stays null; everything around it still works.
 */
export function useChart(canvas: Ref<HTMLCanvasElement | null>, config: () => ChartConfiguration<'line'>): ShallowRef<Chart<'line'> | null> {
  const chart = shallowRef<Chart<'line'> | null>(null);
  onMounted(() => {
    const element = canvas.value;
    if (!element || element.getContext('2d') === null) return;
    chart.value = markRaw(new Chart(element, config()));
  });
  watch(config, (next) => {
    const current = chart.value;
    if (!current) return;
    current.data = next.data;
    current.options = next.options ?? {};
    current.update('none');
  });
  onBeforeUnmount(() => {
    chart.value?.destroy();
    chart.value = null;
  });
  return chart;
}
