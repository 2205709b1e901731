import type { LineAnnotationOptions } from 'chartjs-plugin-annotation';
import type { HistoryEvent, HistoryEventKind } from '../../../shared/api-history.js';
import type { TimeRange } from './range.js';

/** How each kind of audited event is marked: a vertical line with a one-letter tag at the top. */
export const EVENT_STYLES: Record<HistoryEventKind, { name: string; tag: string; colour: string }> = {
  flag: { name: 'Flag change', tag: 'F', colour: '#1f4f80' },
  rollout: { name: 'Rollout', tag: 'O', colour: '#16a085' },
  rollback: { name: 'Rollback', tag: 'R', colour: '#7d5ba6' },
  restore: { name: 'Restore', tag: 'S', colour: '#8f2418' },
  review: { name: 'Review', tag: 'V', colour: '#9a7400' },
};

export function eventTime(event: HistoryEvent): number {
  return Date.parse(event.at);
}

export function eventsIn(events: readonly HistoryEvent[], range: TimeRange): HistoryEvent[] {
  return events.filter((event) => {
    const t = eventTime(event);
    return t >= range.min && t <= range.max;
  });
}

/** One sentence for a marker: what happened, who did it and why. */
export function describeEvent(event: HistoryEvent): string {
  const who = event.operator ? ` by ${event.operator}` : '';
  const why = event.reason ? ` — ${event.reason}` : '';
  return `${EVENT_STYLES[event.kind].name}: ${event.title}${who}${why}`;
}

/**
 * The annotation plugin's markers for the events in view. `onHover` receives the event under the
 * pointer (its line or tag) with the marker's x in pixels, or null when the pointer leaves it.
 */
export function eventAnnotations(events: readonly HistoryEvent[], range: TimeRange, onHover: (hovered: { event: HistoryEvent; x: number } | null) => void): Record<string, LineAnnotationOptions> {
  const markers: Record<string, LineAnnotationOptions> = {};
  for (const event of eventsIn(events, range)) {
    const style = EVENT_STYLES[event.kind];
    markers[event.id] = {
      type: 'line',
      scaleID: 'x',
      value: eventTime(event),
      borderColor: style.colour,
      borderWidth: 1.5,
      borderDash: [5, 4],
      hitTolerance: 4,
      label: {
        display: true,
        content: style.tag,
        position: 'start',
        backgroundColor: style.colour,
        color: '#ffffff',
        font: { size: 10, weight: 'bold' },
        padding: 3,
      },
      enter: ({ element }) => onHover({ event, x: element.x }),
      leave: () => onHover(null),
    } as LineAnnotationOptions;
  }
  return markers;
}
