package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/smokex/smokex/schedule"
)

func ExampleCron() {
	ticks := make(chan string, 1)
	c, err := schedule.NewCron(schedule.CronConfig{
		// Func runs in a goroutine of its own on each tick; it must not
		// block forever, so it drops a tick the reader is not ready for.
		// due is when the tick was scheduled for: the ticks of an @every
		// entry fall at one point of each interval, picked by its id, so
		// that entries of one interval spread over it.
		Func: func(ctx context.Context, id string, due time.Time) {
			select {
			case ticks <- fmt.Sprintf("%s, due %d ms past a whole second", id, due.Nanosecond()/int(time.Millisecond)):
			default:
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Add(ctx, "homepage", "@every 1s"); err != nil {
		log.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("tick:", <-ticks)
	if err := c.Stop(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Add(ctx, "homepage", "@every 1s"))
	// Output:
	// tick: homepage, due 700 ms past a whole second
	// schedule: scheduler is stopped
}

func ExampleCron_Entries() {
	c, err := schedule.NewCron(schedule.CronConfig{Func: func(context.Context, string, time.Time) {}})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	_ = c.Add(ctx, "search", "*/5 * * * *")
	_ = c.Add(ctx, "checkout", "CRON_TZ=Europe/Paris 0 2 * * *")
	_ = c.Add(ctx, "search", "@hourly") // replaces the spec of search
	err = c.Add(ctx, "login", "@sometimes")
	fmt.Println(errors.Is(err, schedule.ErrInvalidSpec))

	entries, err := c.Entries(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range entries {
		fmt.Printf("%s %q\n", e.ID, e.Spec)
	}
	_ = c.Stop(ctx)
	// Output:
	// true
	// checkout "CRON_TZ=Europe/Paris 0 2 * * *"
	// search "@hourly"
}
